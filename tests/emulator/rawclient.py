"""A minimal E27 client built from the backend's pure layers only, to drive the emulator byte by byte."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from custom_components.elke27.e27 import crypto, framing, messages
from custom_components.elke27.e27.errors import E27FramingError
from e27_emulator import EmulatorPanel

type JsonObject = dict[str, Any]

# A safety net: replies on loopback arrive at once unless something is broken.
TIMEOUT = 20.0
IDENTITY = messages.ClientIdentity(mn="222", sn="001122334455", fwver="0.1", hwver="0.1", osver="0.1")


class RawClient:
    """One TCP connection: cleartext objects via a JsonStreamSplitter, frames via a Deframer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.splitter = messages.JsonStreamSplitter()
        self.deframer = framing.Deframer()
        self.frames: list[framing.Frame | E27FramingError] = []
        self.greeting: JsonObject = {}
        self.local: JsonObject = {}
        self.session_key = b""
        self.session_id = 0
        self.envelope_seq = 0
        self.seq = 0

    @classmethod
    async def connect(cls, panel: EmulatorPanel, *, greeting: bool = True) -> RawClient:
        """Connect and (by default) read the greeting and LOCAL objects."""
        reader, writer = await asyncio.open_connection(panel.host, panel.port)
        client = cls(reader, writer)
        if greeting:
            client.greeting = await client.read_object()
            client.local = await client.read_object()
        return client

    @property
    def nonce(self) -> str:
        """The panel nonce of this connection."""
        return str(self.greeting["nonce"])

    async def close(self) -> None:
        """Close the connection, ignoring a peer that already went away."""
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()

    async def _read(self, timeout: float) -> bytes:
        async with asyncio.timeout(timeout):
            data = await self.reader.read(4096)
        if not data:
            raise EOFError("panel closed the connection")
        return data

    async def read_object(self, timeout: float = TIMEOUT) -> JsonObject:
        """The next cleartext JSON object."""
        while (obj := self.splitter.pop()) is None:
            self.splitter.feed(await self._read(timeout))
        return obj

    async def read_frame_item(self, timeout: float = TIMEOUT) -> framing.Frame | E27FramingError:
        """The next frame or framing error; cleartext bytes left by the splitter are fed first."""
        if leftover := self.splitter.remainder:
            self.splitter = messages.JsonStreamSplitter()
            self.frames += self.deframer.feed(leftover)
        while not self.frames:
            self.frames += self.deframer.feed(await self._read(timeout))
        return self.frames.pop(0)

    async def read_frame(self, timeout: float = TIMEOUT) -> framing.Frame:
        """The next good frame (a framing error fails the test)."""
        item = await self.read_frame_item(timeout)
        assert isinstance(item, framing.Frame), item
        return item

    async def read_envelope(self, key: bytes | None = None, timeout: float = TIMEOUT) -> crypto.Envelope:
        """The next frame, decrypted with key (default: the session key)."""
        frame = await self.read_frame(timeout)
        return crypto.open_envelope(key or self.session_key, frame.protocol, frame.data)

    async def read_message(self, timeout: float = TIMEOUT) -> JsonObject:
        """The next online message, decrypted and decoded."""
        return messages.decode((await self.read_envelope(timeout=timeout)).payload)

    async def expect_silence(self, duration: float = 0.3) -> None:
        """Assert that nothing arrives within duration seconds."""
        try:
            async with asyncio.timeout(duration):
                data = await self.reader.read(4096)
        except TimeoutError:
            return
        raise AssertionError(f"expected silence, received {data!r}")

    async def expect_eof(self, timeout: float = TIMEOUT) -> None:
        """Assert that the panel closes the connection (pending bytes are discarded)."""
        async with asyncio.timeout(timeout):
            while True:
                try:
                    if not await self.reader.read(4096):
                        return
                except ConnectionResetError:
                    return

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are."""
        self.writer.write(data)

    async def link(
        self,
        identity: messages.ClientIdentity = IDENTITY,
        *,
        access_code: str = "123456",
        passphrase: str = "emulator-passphrase",
    ) -> str:
        """Send api_link with secrets derived for this connection; return the tempkey."""
        cnonce = crypto.new_cnonce()
        derived = crypto.derive_link_secrets(
            access_code=access_code,
            passphrase=passphrase,
            nonce=self.nonce,
            cnonce=cnonce,
            mn=identity.mn,
            sn=identity.sn,
        )
        self.send_raw(messages.build_api_link_request(identity, derived.pass_hex, cnonce))
        return derived.tempkey_hex

    async def link_reply(self, tempkey_hex: str) -> JsonObject:
        """Read and decrypt the framed api_link reply."""
        envelope = await self.read_envelope(crypto.hex_key_to_aes(tempkey_hex))
        return messages.decode(envelope.payload)

    async def hello(self, identity: messages.ClientIdentity = IDENTITY) -> JsonObject:
        """Send hello and return the cleartext reply object."""
        self.send_raw(messages.build_hello_request(identity))
        while True:
            obj = await self.read_object()
            if "hello" in obj:
                return obj

    async def go_online(self, panel: EmulatorPanel, identity: messages.ClientIdentity = IDENTITY) -> JsonObject:
        """Link identity through the panel's table (no api_link) and complete hello."""
        link = panel.links.get(identity.sn) or panel.add_link(identity.sn)
        reply = await self.hello(identity)
        inner = reply["hello"]
        assert inner["error_code"] == 0, reply
        self.session_key = crypto.decrypt_key_field(link.linkkey_hex, inner["sk"])
        self.session_id = int(inner["session_id"])
        self.envelope_seq = 0
        return reply

    def send_message(self, message: JsonObject) -> None:
        """Seal and frame one message with the session key."""
        self.envelope_seq += 1
        protocol, ciphertext = crypto.seal(
            self.session_key, messages.encode(message), envelope_seq=self.envelope_seq, src=1, dest=0
        )
        self.send_raw(framing.build_frame(protocol, ciphertext))

    def request(self, body: JsonObject) -> int:
        """Send {"seq", "session_id", **body}; return the seq used."""
        self.seq += 1
        self.send_message({"seq": self.seq, "session_id": self.session_id, **body})
        return self.seq

    async def call(self, body: JsonObject) -> JsonObject:
        """Send a request and return the next message."""
        self.request(body)
        return await self.read_message()

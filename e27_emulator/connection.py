"""One TCP connection to the emulated panel: greeting, cleartext api_link/hello, then the framed session."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Final, Protocol

from custom_components.elke27.e27 import const, crypto, framing, messages
from custom_components.elke27.e27.errors import E27FramingError, E27MessageError, E27ProtocolError

from .faults import Faults, corrupt_frame, outgoing_payload
from .handler import JsonObject, PanelSession, RequestHandler, keepalive_reply, request_route
from .links import Link

_LOGGER = logging.getLogger(__name__)

PANEL_SRC: Final = 0
PANEL_DEST: Final = 1
PANEL_HEAD: Final = 0
NONCE_BYTES: Final = 20
SESSION_KEY_BYTES: Final = 16
SESSION_HMAC_BYTES: Final = 32
READ_SIZE: Final = 4096
# Older clients reject frames of 1024 bytes or more (docs/protocol.md §4.5).
SAFE_FRAME_SIZE: Final = 1024
# Pushes (broadcasts, faults) held for a session whose client has not sent its first frame yet.
MAX_PENDING_PUSHES: Final = 64


class Phase(StrEnum):
    """Where a connection is in its life."""

    CLEARTEXT = "cleartext"
    ONLINE = "online"
    CLOSED = "closed"


class PanelIdentity(Protocol):
    """The part of the panel's configuration a connection reads."""

    @property
    def name(self) -> str: ...
    @property
    def access_code(self) -> str: ...
    @property
    def passphrase(self) -> str: ...


class ConnectionPanel(Protocol):
    """What a connection needs of the panel that accepted it (the server's EmulatorPanel).

    Described here rather than imported, so that this module does not depend on the server.
    """

    @property
    def config(self) -> PanelIdentity: ...
    @property
    def faults(self) -> Faults: ...
    @property
    def links(self) -> Mapping[str, Link]: ...
    @property
    def handler(self) -> RequestHandler: ...
    def _connection_closed(self, connection: PanelConnection) -> None: ...
    def _record(self, session: PanelSession | None, request: JsonObject) -> None: ...
    def _link(self, sn: str) -> Link | None: ...
    def _hello_refusal(self, sn: str) -> str | None: ...
    def _new_session_id(self) -> int: ...
    def _session_online(self, connection: PanelConnection) -> None: ...
    def _frame_error(self) -> None: ...
    def _in_flight(self, count: int) -> None: ...
    def _authenticate(self, session: PanelSession, request: JsonObject) -> JsonObject: ...


class PanelConnection:
    """The panel's side of one TCP connection."""

    def __init__(self, panel: ConnectionPanel, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._panel = panel
        self._name = panel.config.name
        self._reader = reader
        self._writer = writer
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.nonce = secrets.token_hex(NONCE_BYTES)
        self.phase = Phase.CLEARTEXT
        self.session: PanelSession | None = None
        self.task: asyncio.Task[None] | None = None
        self._splitter = messages.JsonStreamSplitter()
        self._deframer = framing.Deframer()
        self._envelope_seq = 0
        self._pending: list[Callable[[], bytes]] = []
        self._requests: asyncio.Queue[JsonObject] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self.in_flight = 0
        """Requests received but not answered yet."""

    @property
    def closing(self) -> bool:
        """True once the connection is closed or closing."""
        return self.phase is Phase.CLOSED or self._writer.is_closing()

    async def run(self) -> None:
        """Greet the client, then serve it until it disconnects or the panel closes the connection."""
        try:
            if not self._panel.faults.silent:
                await self._greet()
            while not self.closing:
                data = await self._reader.read(READ_SIZE)
                if not data:
                    _LOGGER.debug("%s: %s disconnected", self._name, self.peer)
                    break
                if self.phase is Phase.CLEARTEXT:
                    await self._on_cleartext(data)
                else:
                    await self._on_framed(data)
        except OSError as err:
            _LOGGER.debug("%s: connection from %s failed: %s", self._name, self.peer, err)
        finally:
            self.close()
            if self._worker is not None:
                await asyncio.gather(self._worker, return_exceptions=True)

    def close(self, *, reset: bool = False) -> None:
        """Close the connection (reset: abort with RST instead of FIN); idempotent."""
        if self.phase is Phase.CLOSED:
            return
        self.phase = Phase.CLOSED
        self._pending.clear()
        if self._worker is not None and self._worker is not asyncio.current_task():
            self._worker.cancel()
        if reset:
            self._writer.transport.abort()
        else:
            self._writer.close()
        self._panel._connection_closed(self)

    # Panel-initiated traffic -------------------------------------------------

    async def drain(self) -> None:
        """Wait until the kernel took what was written; a lost connection is not an error here."""
        if not self.closing:
            with contextlib.suppress(OSError):
                await self._writer.drain()

    def push(self, make: Callable[[], bytes]) -> bool:
        """Send bytes made by make to an online session, deferred until its first frame (§7.5)."""
        if self.phase is not Phase.ONLINE or self.session is None or self.closing:
            return False
        if self.session.ready:
            self._write(make())
        elif len(self._pending) < MAX_PENDING_PUSHES:
            self._pending.append(make)
        else:
            _LOGGER.debug("%s: push to %s dropped: client has not sent a frame yet", self._name, self.peer)
        return True

    def push_message(self, body: JsonObject) -> bool:
        """Push a broadcast {"seq":0,"session_id":<current id>, **body}."""
        return self.push(lambda: self._frame(self._broadcast(body)))

    def push_payload(self, payload: bytes) -> bool:
        """Push raw JSON text (well formed or not) as a correctly encrypted frame."""
        return self.push(lambda: framing.build_frame(*self._seal_payload(payload)))

    def push_corrupt_frame(self) -> bool:
        """Push a properly sealed frame whose CRC check fails at the client."""
        return self.push(lambda: corrupt_frame(*self._seal(self._broadcast({"emulator": {"corrupt_frame": {}}}))))

    def _broadcast(self, body: JsonObject) -> JsonObject:
        assert self.session is not None
        return {"seq": const.BROADCAST_SEQ, "session_id": self.session.session_id, **body}

    # Cleartext phase ---------------------------------------------------------

    async def _greet(self) -> None:
        self._write(messages.encode({const.GREETING_KEY: "Hello", "nonce": self.nonce}))
        await self._writer.drain()
        self._write(messages.encode({"LOCAL": datetime.now().strftime("%Y/%m/%d,%H:%M:%S")}))
        await self._writer.drain()

    async def _on_cleartext(self, data: bytes) -> None:
        splitter = self._splitter
        splitter.feed(data)
        while self.phase is Phase.CLEARTEXT:
            try:
                obj = splitter.pop()
            except E27MessageError as err:
                if len(splitter.remainder) > const.MAX_CLEARTEXT:
                    _LOGGER.warning("%s: closing %s: %s", self._name, self.peer, err)
                    self.close()
                    return
                _LOGGER.debug("%s: cleartext from %s dropped: %s", self._name, self.peer, err)
                continue
            if obj is None:
                return
            self._panel._record(None, obj)
            if _LOGGER.isEnabledFor(logging.DEBUG):
                _LOGGER.debug("%s: cleartext from %s: %s", self._name, self.peer, messages.redact(obj))
            if "api_link" in obj:
                await self._api_link(obj)
            elif "hello" in obj:
                await self._hello(obj)
            else:
                _LOGGER.debug("%s: cleartext object from %s ignored", self._name, self.peer)
        if self.phase is Phase.ONLINE and (leftover := splitter.remainder):
            await self._on_framed(leftover)

    async def _before_reply(self) -> bool:
        """Apply the reply delay; False if the reply must not be sent (silent panel, closed)."""
        faults = self._panel.faults
        if faults.silent:
            return False
        await faults.delay_reply()
        return not faults.silent and not self.closing

    async def _api_link(self, obj: JsonObject) -> None:
        body = obj["api_link"]
        fields = [body.get(key) for key in ("pass", "cnonce", "mn", "sn")] if isinstance(body, dict) else []
        if len(fields) != 4 or not all(isinstance(value, str) for value in fields):
            _LOGGER.debug("%s: malformed api_link from %s ignored", self._name, self.peer)
            return
        pass_hex, cnonce, mn, sn = (str(value) for value in fields)
        config = self._panel.config
        derived = crypto.derive_link_secrets(
            access_code=config.access_code, passphrase=config.passphrase, nonce=self.nonce, cnonce=cnonce, mn=mn, sn=sn
        )
        if not hmac.compare_digest(pass_hex.encode(), derived.pass_hex.encode()):
            _LOGGER.info("%s: api_link from %s for sn %s: wrong pass, staying silent", self._name, self.peer, sn)
            return
        if not await self._before_reply():
            return
        link = self._panel._link(sn)
        if link is None:
            _LOGGER.info("%s: api_link for sn %s refused: link table full", self._name, sn)
            reply: JsonObject = {
                "api_link": {"error_code": int(const.ErrorCode.NOT_ENOUGH_SPACE), "error_message": "Not enough space"}
            }
        else:
            _LOGGER.info("%s: linked sn %s", self._name, sn)
            reply = {"api_link": {"enc": link.linkkey_hex, "hmac": link.linkhmac_hex, "error_code": 0}}
        self._write(self._frame(reply, crypto.hex_key_to_aes(derived.tempkey_hex)))

    async def _hello(self, obj: JsonObject) -> None:
        body = obj["hello"]
        identity: JsonObject = dict(body) if isinstance(body, dict) else {}
        seq = obj.get("seq")
        sn = identity.get("sn")
        if not await self._before_reply():
            return
        if self._panel.faults.hello_replies:
            reply_text = self._panel.faults.hello_replies.pop(0)
            _LOGGER.info("%s: hello from %s answered with a scripted reply (fault)", self._name, self.peer)
            self._write(reply_text)
            return
        link = self._panel.links.get(sn) if isinstance(sn, str) else None
        if link is None or not isinstance(sn, str):
            _LOGGER.info("%s: hello from %s for unknown sn %s", self._name, self.peer, sn)
            reply: JsonObject = {
                "hello": {"error_code": int(const.ErrorCode.INVALID_ID), "error_message": "invalid_id"}
            }
            self._write(messages.encode(reply))
            return
        refusal = self._panel._hello_refusal(sn)
        if refusal is not None:
            # The shape the panel was seen to use when it refuses a session (docs/protocol.md §7.4).
            _LOGGER.info("%s: hello from %s for sn %s refused: %s", self._name, self.peer, sn, refusal)
            self._write(messages.encode({"hello": {"seq": seq, "error_code": 0}}))
            return
        session = PanelSession(
            sn=sn,
            identity=identity,
            session_id=self._panel._new_session_id(),
            session_key=secrets.token_bytes(SESSION_KEY_BYTES),
            hmac_key=secrets.token_bytes(SESSION_HMAC_BYTES),
            peer=self.peer,
        )
        reply = {
            "hello": {
                "seq": seq,
                "session_id": session.session_id,
                "sk": crypto.encrypt_key_field(link.linkkey_hex, session.session_key),
                "shm": crypto.encrypt_key_field(link.linkkey_hex, session.hmac_key),
                "error_code": 0,
            }
        }
        # Online before the reply is written, so the session counts against the limits at
        # once; pushes still wait for the client's first frame.
        self.session = session
        self.phase = Phase.ONLINE
        self._deframer = framing.Deframer()
        self._envelope_seq = 0
        self._write(messages.encode(reply))
        await self._writer.drain()
        _LOGGER.info("%s: session %s online for sn %s from %s", self._name, session.session_id, sn, self.peer)
        self._panel._session_online(self)

    # Framed phase ------------------------------------------------------------

    async def _on_framed(self, data: bytes) -> None:
        session = self.session
        assert session is not None
        for item in self._deframer.feed(data):
            if self.closing:
                return
            if isinstance(item, E27FramingError):
                self._panel._frame_error()
                _LOGGER.debug("%s: frame from %s dropped: %s", self._name, self.peer, item)
                continue
            if not session.ready:
                session.ready = True
                self._flush_pending()
            try:
                envelope = crypto.open_envelope(session.session_key, item.protocol, item.data)
                request = messages.decode(envelope.payload)
            except E27ProtocolError as err:
                self._panel._frame_error()
                _LOGGER.debug("%s: frame from %s dropped: %s", self._name, self.peer, err)
                continue
            self._panel._record(session, request)
            if _LOGGER.isEnabledFor(logging.DEBUG):
                _LOGGER.debug("%s: from %s: %s", self._name, self.peer, messages.redact(request))
            if self._panel.faults.quiet_online:
                continue
            # Requests are answered in order by a worker, so the panel keeps reading (and
            # counting what is in flight) while a reply is delayed.
            self.in_flight += 1
            self._panel._in_flight(self.in_flight)
            self._requests.put_nowait(request)
            if self._worker is None:
                self._worker = asyncio.create_task(self._answer(session), name=f"e27-emulator-answer-{self.peer}")

    def _flush_pending(self) -> None:
        pending, self._pending = self._pending, []
        for make in pending:
            self._write(make())

    async def _answer(self, session: PanelSession) -> None:
        while not self.closing:
            request = await self._requests.get()
            try:
                await self._dispatch(session, request)
            except Exception:
                _LOGGER.exception("%s: failed to answer %s", self._name, messages.redact(request))
            finally:
                self.in_flight -= 1

    async def _dispatch(self, session: PanelSession, request: JsonObject) -> None:
        if not await self._before_reply() or self._panel.faults.silent_after_hello:
            return
        route = request_route(request)
        if route == ("system", "r_u_alive"):
            replies = [keepalive_reply(session, request)]
        elif route[0] == "authenticate":
            replies = [self._panel._authenticate(session, request)]
        else:
            replies = list(self._panel.handler(session, request) or ())
        for reply in replies:
            self._write(self._frame(reply))

    # Output ------------------------------------------------------------------

    def _seal(self, message: JsonObject, key: bytes | None = None) -> tuple[int, bytes]:
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("%s: to %s: %s", self._name, self.peer, messages.redact(message))
        return self._seal_payload(messages.encode(message), key)

    def _seal_payload(self, payload: bytes, key: bytes | None = None) -> tuple[int, bytes]:
        if key is None:
            assert self.session is not None
            key = self.session.session_key
        self._envelope_seq = self._envelope_seq % const.ENVELOPE_SEQ_MAX + 1
        return crypto.seal(
            key,
            outgoing_payload(payload, length_quirk=self._panel.faults.length_quirk),
            envelope_seq=self._envelope_seq,
            src=PANEL_SRC,
            dest=PANEL_DEST,
            head=PANEL_HEAD,
        )

    def _frame(self, message: JsonObject, key: bytes | None = None) -> bytes:
        wire = framing.build_frame(*self._seal(message, key))
        if len(wire) >= SAFE_FRAME_SIZE:
            _LOGGER.warning("%s: sending a %d-byte frame; older clients reject >= 1024", self._name, len(wire))
        return wire

    def _write(self, data: bytes) -> None:
        if not self.closing:
            self._writer.write(data)

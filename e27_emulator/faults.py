"""Fault knobs the panel consults, and the byte-level helpers behind them."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Final

from custom_components.elke27.e27 import const, framing
from custom_components.elke27.e27.crypto import quirk_safe

# Contains no 7E, so it is pure garbage to a deframer and cannot start a bogus frame.
DEFAULT_GARBAGE: Final = b"\x00\x01\x02garbage{\xfd\xfe\xff"

_START: Final = bytes((const.FRAME_START,))
_STUFFED: Final = bytes((const.FRAME_START, const.FRAME_ESCAPED))
# The smallest JSON payload whose frame the reference deframer loses (docs/protocol.md §4.4, TV-11);
# every 256 bytes more hits it again.
QUIRK_PAYLOAD_SIZE: Final = 114


@dataclass(slots=True)
class Faults:
    """Switchable misbehaviour; EmulatorPanel's fault methods set these."""

    silent: bool = False
    silent_after_hello: bool = False
    """Greet and answer hello as usual, then answer (and push) nothing on the session: a busy panel,
    one whose network stack is restarting, or one that no longer holds the client's link key."""
    reply_delay: float = 0.0
    """Seconds each reply waits; see set_reply_delay."""
    refuse_hello: bool = False
    length_quirk: bool = False
    """Send frames whose LENGTH low byte equals their protocol byte (padding the JSON with spaces):
    the frames the reference deframer loses. Off, the panel avoids them."""
    hello_replies: list[bytes] = field(default_factory=list)
    """Cleartext answers for the next hellos, one each, instead of a session."""
    _delay_changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def quiet_online(self) -> bool:
        """Nothing is sent on an online session (silent, or silent after hello)."""
        return self.silent or self.silent_after_hello

    def set_reply_delay(self, seconds: float) -> None:
        """Change the reply delay; replies already waiting follow the new value at once (0 releases them)."""
        self.reply_delay = max(0.0, seconds)
        self._delay_changed.set()
        self._delay_changed = asyncio.Event()

    async def delay_reply(self) -> None:
        """Wait until reply_delay seconds have passed since this call (re-read whenever it changes)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        while (remaining := start + self.reply_delay - loop.time()) > 0:
            changed = self._delay_changed
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await changed.wait()


def outgoing_payload(payload: bytes, *, length_quirk: bool) -> bytes:
    """The JSON the panel puts in a frame: clear of the length quirk, or (fault) made to hit it.

    Spaces after the opening brace keep the JSON the same; 0 to 255 of them reach a size
    ≡ 114 (mod 256), where LENGTH's low byte equals the protocol byte 0x85.
    """
    if not length_quirk:
        return quirk_safe(payload)
    spaces = (QUIRK_PAYLOAD_SIZE - len(payload)) % 256
    return payload[:1] + b" " * spaces + payload[1:]


def corrupt_frame(protocol: int, data: bytes) -> bytes:
    """A frame for data whose first data byte is flipped after the CRC was computed.

    LENGTH and stuffing stay valid, so a receiver collects the whole frame and
    then reports a CRC mismatch (not a length or truncation error).
    """
    if not data:
        raise ValueError("a corrupt frame needs at least one data byte")
    length = len(data) + const.MIN_FRAME_LENGTH
    body = bytes((protocol, length & 0xFF, length >> 8)) + data
    crc = framing.crc16(body)
    flipped = body[:3] + bytes((body[3] ^ 0x01,)) + body[4:] + bytes((crc & 0xFF, crc >> 8))
    return _START + flipped.replace(_START, _STUFFED)

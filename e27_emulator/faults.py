"""Fault knobs the panel consults, and the byte-level helpers behind them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from custom_components.elke27.e27 import const, framing

# Contains no 7E, so it is pure garbage to a deframer and cannot start a bogus frame.
DEFAULT_GARBAGE: Final = b"\x00\x01\x02garbage{\xfd\xfe\xff"

_START: Final = bytes((const.FRAME_START,))
_STUFFED: Final = bytes((const.FRAME_START, const.FRAME_ESCAPED))


@dataclass(slots=True)
class Faults:
    """Switchable misbehaviour; EmulatorPanel's fault methods set these."""

    silent: bool = False
    reply_delay: float = 0.0
    refuse_hello: bool = False


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

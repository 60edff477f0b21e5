"""Link layer: 7E frames with byte stuffing, LE16 LENGTH and CRC-16/ARC (docs/protocol.md §4)."""

from __future__ import annotations

import re
import sys
from array import array
from dataclasses import dataclass
from typing import Final

from .const import FRAME_ESCAPED, FRAME_START, MAX_FRAME_LENGTH, MIN_FRAME_LENGTH
from .errors import (
    E27CrcError,
    E27FrameLengthError,
    E27FramingError,
    E27TruncatedFrameError,
)

_START: Final = bytes([FRAME_START])
_STUFFED: Final = bytes([FRAME_START, FRAME_ESCAPED])
_NOT_FRAME_BYTES: Final = (FRAME_START, FRAME_ESCAPED)
# Frame starts each followed by at most two bytes before the next frame start: no more than a
# LENGTH, so each is an error and nothing is discarded.
_SHORT_STARTS: Final = re.compile(rb"(?:\x7e[^\x00\x7e][^\x7e]{0,2})+(?=\x7e[^\x00\x7e])")
_SEVENS: Final = re.compile(rb"\x7e+")
# Stuffed start bytes outside a frame: garbage, skipped in one search.
_STUFFED_RUN: Final = re.compile(rb"(?:\x7e\x00)+")


def _crc_byte_table() -> list[int]:
    table = []
    for value in range(256):
        crc = value
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC8: Final = _crc_byte_table()
# Two bytes at a time: for a 16-bit reflected CRC, feeding the little-endian word
# w is the same as feeding its low then its high byte, so one lookup does both.
_CRC16: Final = array(
    "H", ((((w >> 8) ^ _CRC8[w & 0xFF]) >> 8) ^ _CRC8[((w >> 8) ^ _CRC8[w & 0xFF]) & 0xFF] for w in range(65536))
).tolist()
_LITTLE_ENDIAN: Final = sys.byteorder == "little"


def crc16(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """CRC-16/ARC (poly 0xA001 reflected, init 0, no final XOR) of data."""
    even = len(data) & ~1
    words = array("H")
    words.frombytes(data[:even])
    if not _LITTLE_ENDIAN:
        words.byteswap()
    table = _CRC16
    for word in words:
        crc = table[crc ^ word]
    if even != len(data):
        crc = (crc >> 8) ^ _CRC8[(crc ^ data[-1]) & 0xFF]
    return crc


@dataclass(frozen=True, slots=True)
class Frame:
    """One deframed link-layer frame (CRC already checked)."""

    protocol: int
    data: bytes

    @property
    def body(self) -> bytes:
        """Protocol byte, LENGTH and data, as covered by the CRC."""
        return _header(self.protocol, len(self.data)) + self.data


def _header(protocol: int, data_len: int) -> bytes:
    length = data_len + MIN_FRAME_LENGTH
    return bytes((protocol, length & 0xFF, length >> 8))


def build_frame(protocol: int, data: bytes) -> bytes:
    """Frame data for the wire: 7E, then the stuffed protocol, LENGTH, data and CRC."""
    if not 0 < protocol <= 0xFF or protocol == FRAME_START:
        raise ValueError(f"invalid protocol byte 0x{protocol:02x}")
    if len(data) + MIN_FRAME_LENGTH > MAX_FRAME_LENGTH:
        raise ValueError(f"frame data of {len(data)} bytes exceeds the {MAX_FRAME_LENGTH}-byte frame limit")
    body = _header(protocol, len(data)) + data
    crc = crc16(body)
    body += bytes((crc & 0xFF, crc >> 8))
    return _START + body.replace(_START, _STUFFED)


class Deframer:
    """Resynchronising receiver: feed it bytes in any chunking, get frames and errors back.

    Bytes outside a frame (garbage, cleartext) are skipped and counted in
    ``discarded``. ``7E`` followed by a non-zero byte always starts a new frame,
    abandoning any partial one. It never holds more than one frame's worth of bytes.

    Errors come in streaks (garbage that keeps starting frames): only the first error
    after a good frame is returned, every one is counted in ``errors``. Whatever the
    bytes, each costs a small constant; how the stream is cut into pieces changes nothing.
    """

    __slots__ = ("_esc", "_frame", "_max_length", "_need", "_streak", "discarded", "errors")

    def __init__(self, max_length: int = MAX_FRAME_LENGTH) -> None:
        self._max_length = max_length
        self._esc = False
        self._frame: bytearray | None = None
        self._need = 0
        self._streak = False
        self.discarded = 0
        self.errors = 0

    @property
    def buffered(self) -> int:
        """Number of unstuffed bytes of the frame being collected."""
        return 0 if self._frame is None else len(self._frame)

    def feed(self, data: bytes | bytearray) -> list[Frame | E27FramingError]:
        """Consume data; return complete frames and framing errors in stream order."""
        out: list[Frame | E27FramingError] = []
        if type(data) is not bytes:
            data = bytes(data)
        i = 0
        n = len(data)
        if self._esc and n:
            self._esc = False
            i = self._escaped(data[0], out)
        while i < n:
            frame = self._frame
            if frame is None:
                k = data.find(_START, i)
                if k < 0:
                    self.discarded += n - i
                    break
                if (stuffed := _STUFFED_RUN.match(data, k)) is not None:
                    self.discarded += stuffed.end() - i
                    i = stuffed.end()
                    continue
                self.discarded += k - i
            else:
                want = (self._need or 3) - len(frame)
                k = data.find(_START, i, i + want)
                if k < 0:
                    frame += data[i : i + want]
                    i = min(n, i + want)
                    self._check(out)
                    continue
                frame += data[i:k]
            i = k + 1
            if i >= n:
                self._esc = True
                break
            byte = data[i]
            if byte not in _NOT_FRAME_BYTES:  # a frame starts
                if self._frame is not None:
                    self._abandon(out)
                if end := self._whole(data, i, out):
                    i = end
                    continue
                if self._streak and (after := self._skip_garbage_frames(data, k)) > k:
                    i = after
                    continue
            elif byte == FRAME_START:
                # A second 7E is not consumed: only the last of a run of them opens the escape.
                i = _SEVENS.match(data, i).end() - 1  # type: ignore[union-attr]  # data[i] is 7E: it matches
                continue
            i += self._escaped(byte, out)
        return out

    def _skip_garbage_frames(self, data: bytes, k: int) -> int:
        """During an error streak: count the frames from the start at data[k] that can only be errors.

        A frame that the next frame start cuts off before its LENGTH is reached is abandoned; one
        with a LENGTH out of range is refused and the bytes up to the next start are discarded.
        Neither is returned during a streak, so such frames are only counted here, with a few
        steps each and none per byte; the first frame that could complete (or a stuffed or
        doubled 7E) is left to the usual path. Returns where that frame starts (k if none was skipped).
        """
        find = data.find
        n = len(data)
        low, high = MIN_FRAME_LENGTH, self._max_length
        skipped = discarded = 0
        while True:
            j = find(_START, k + 2)
            if j < 0 or j + 1 >= n or data[j + 1] in _NOT_FRAME_BYTES:
                break
            collected = j - k - 1  # protocol byte, LENGTH and data of the frame that starts at k
            if collected <= 3 and (run := _SHORT_STARTS.match(data, k)) is not None:
                # A run of frames of at most a protocol byte and a LENGTH: one search for all of them.
                skipped += data.count(FRAME_START, k, run.end())
                k = run.end()
                continue
            if collected >= 3:
                need = data[k + 2] | data[k + 3] << 8
                if low <= need <= high:
                    if need <= collected:
                        break  # it could be a whole frame
                else:
                    discarded += collected - 3
            skipped += 1
            k = j
        self.errors += skipped
        self.discarded += discarded
        return k

    def _whole(self, data: bytes, start: int, out: list[Frame | E27FramingError]) -> int:
        """Take the frame whose protocol byte is data[start] in one piece if data holds all of it.

        Returns where the frame ends in data, or 0 to leave it to the byte-wise path: when
        it is incomplete, its LENGTH is stuffed or out of range, or a 7E inside it is not
        a stuffed one (such a 7E starts another frame, which that path reports).
        """
        if start + 3 > len(data):
            return 0
        low, high = data[start + 1], data[start + 2]
        need = low | high << 8
        if FRAME_START in (low, high) or not MIN_FRAME_LENGTH <= need <= self._max_length:
            return 0
        # Every stuffed 7E takes one more byte on the wire: widen the window until it holds need bytes.
        stuffed = 0
        while True:
            end = start + need + stuffed
            if end > len(data):
                return 0
            found = data.count(FRAME_START, start, end)
            if found == stuffed:
                break
            stuffed = found
        body = data[start:end]
        if stuffed:
            if body.count(_STUFFED) != stuffed:
                return 0
            body = body.replace(_STUFFED, _START)
        if crc16(body):  # the CRC of a frame followed by its own CRC is 0
            if self._error():
                received = body[-2] | body[-1] << 8
                computed = crc16(body[:-2])
                out.append(E27CrcError(f"frame CRC 0x{received:04x} does not match computed 0x{computed:04x}"))
        else:
            self._streak = False
            out.append(Frame(body[0], body[3:-2]))
        return end

    def _error(self) -> bool:
        """Count an error; True if it is to be returned (the first since the last good frame)."""
        self.errors += 1
        if self._streak:
            return False
        self._streak = True
        return True

    def _abandon(self, out: list[Frame | E27FramingError]) -> None:
        assert self._frame is not None
        if self._error():
            out.append(E27TruncatedFrameError(f"frame abandoned after {len(self._frame)} bytes: a new frame started"))
        self._frame = None

    def _escaped(self, byte: int, out: list[Frame | E27FramingError]) -> int:
        """Handle the byte after a 7E; return 1 if consumed, 0 to re-read it as a new 7E."""
        if byte == FRAME_START:
            return 0
        if byte == FRAME_ESCAPED:
            if self._frame is None:
                self.discarded += 2
            else:
                self._frame.append(FRAME_START)
                self._check(out)
            return 1
        if self._frame is not None:
            self._abandon(out)
        self._frame = bytearray((byte,))
        self._need = 0
        return 1

    def _check(self, out: list[Frame | E27FramingError]) -> None:
        frame = self._frame
        assert frame is not None
        if not self._need:
            if len(frame) < 3:
                return
            need = frame[1] | frame[2] << 8
            if not MIN_FRAME_LENGTH <= need <= self._max_length:
                if self._error():
                    out.append(
                        E27FrameLengthError(f"frame LENGTH {need} outside {MIN_FRAME_LENGTH}..{self._max_length}")
                    )
                self._frame = None
                return
            self._need = need
        if len(frame) < self._need:
            return
        self._frame = None
        received = frame[-2] | frame[-1] << 8
        computed = crc16(memoryview(frame)[:-2])
        if received != computed:
            if self._error():
                out.append(E27CrcError(f"frame CRC 0x{received:04x} does not match computed 0x{computed:04x}"))
            return
        self._streak = False
        out.append(Frame(frame[0], bytes(frame[3:-2])))

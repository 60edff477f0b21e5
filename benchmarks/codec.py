"""Throughput of the pure codec: seal + frame, deframe + open, and raw deframing.

Run from anywhere: ``python benchmarks/codec.py [--seconds S]``. Each figure is measured
for about S seconds (default 1) on one core.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a plain script: make the repository root importable
    sys.path.insert(0, ROOT)

from custom_components.elke27.e27 import crypto, framing, messages  # noqa: E402

SESSION_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")  # PROTOCOL.md TV-8
# A zone status broadcast as the panel pushes it (API.md §5.2 keys).
BROADCAST = messages.encode(
    {
        "seq": 0,
        "session_id": 1371493314,
        "zone": {
            "get_status": {
                "zone_id": 17,
                "secure_state": "VIOLATED",
                "contact_state": "OPEN",
                "BYPASSED": False,
                "error_code": 0,
            }
        },
    }
)
STREAM_FRAMES = 1000
CHUNK = 4096
TARGET_DECODE_RATE = 40_000


def measure(batch: Callable[[], int], seconds: float) -> float:
    """Run batch (which returns how many units it processed) for about seconds; units per second."""
    batch()  # warm up
    units = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        units += batch()
        elapsed = time.perf_counter() - start
    return units / elapsed


def make_frames(count: int) -> list[bytes]:
    """count wire frames of the broadcast with envelope seqs 1..count (all ciphertexts differ)."""
    frames = []
    for envelope_seq in range(1, count + 1):
        protocol, ciphertext = crypto.seal(SESSION_KEY, BROADCAST, envelope_seq=envelope_seq, src=0, dest=1)
        frames.append(framing.build_frame(protocol, ciphertext))
    return frames


def bench_encode(seconds: float) -> float:
    """Frames per second through seal + build_frame."""

    def batch() -> int:
        for envelope_seq in range(1, 1001):
            protocol, ciphertext = crypto.seal(SESSION_KEY, BROADCAST, envelope_seq=envelope_seq, src=1, dest=0)
            framing.build_frame(protocol, ciphertext)
        return 1000

    return measure(batch, seconds)


def bench_decode(frames: list[bytes], seconds: float, *, parse: bool) -> float:
    """Frames per second through Deframer.feed + open_envelope (+ JSON decode and parse_message)."""
    deframer = framing.Deframer()

    def batch() -> int:
        count = 0
        for wire in frames:
            for item in deframer.feed(wire):
                if not isinstance(item, framing.Frame):
                    raise item
                envelope = crypto.open_envelope(SESSION_KEY, item.protocol, item.data)
                if parse:
                    messages.parse_message(messages.decode(envelope.payload))
                count += 1
        if count != len(frames):
            raise RuntimeError(f"decoded {count} of {len(frames)} frames")
        return count

    return measure(batch, seconds)


def bench_deframe(stream: bytes, frame_count: int, chunk: int, seconds: float) -> float:
    """Bytes per second through Deframer.feed alone, fed in pieces of chunk bytes."""
    pieces = [stream[i : i + chunk] for i in range(0, len(stream), chunk)]

    def batch() -> int:
        deframer = framing.Deframer()
        count = 0
        for piece in pieces:
            count += len(deframer.feed(piece))
        if count != frame_count:
            raise RuntimeError(f"deframed {count} of {frame_count} frames")
        return len(stream)

    return measure(batch, seconds)


def row(label: str, value: float, unit: str) -> None:
    """Print one aligned figure."""
    print(f"{label:<48} {value:>12,.0f} {unit}")


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=1.0, help="time spent on each figure")
    seconds = parser.parse_args().seconds

    frames = make_frames(STREAM_FRAMES)
    stream = b"".join(frames)
    print(f"payload: zone status broadcast, {len(BROADCAST)} bytes of JSON")
    print(f"frame:   {len(frames[0])} bytes on the wire (protocol 0x{frames[0][1]:02x})")
    print(f"stream:  {len(frames)} such frames, {len(stream):,} bytes (for the deframe-only figures)")
    print(f"python:  {sys.version.split()[0]}, {seconds:g} s per figure")
    print()
    row("encode: seal + build_frame", bench_encode(seconds), "frames/s")
    decode_rate = bench_decode(frames, seconds, parse=False)
    row("decode: Deframer.feed + open_envelope", decode_rate, "frames/s")
    row("decode: ... + messages.decode + parse_message", bench_decode(frames, seconds, parse=True), "frames/s")
    row("deframe only: 1 byte per feed", bench_deframe(stream, len(frames), 1, seconds), "bytes/s")
    row(f"deframe only: {CHUNK} bytes per feed", bench_deframe(stream, len(frames), CHUNK, seconds), "bytes/s")
    verdict = "meets" if decode_rate >= TARGET_DECODE_RATE else "MISSES"
    print()
    print(f"decode rate {verdict} the {TARGET_DECODE_RATE:,} frames/s target")


if __name__ == "__main__":
    main()

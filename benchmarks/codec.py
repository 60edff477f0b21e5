"""Throughput of the pure codec: seal + frame, deframe + open (+ parse), per-stage costs, raw deframing.

Run from anywhere: ``python benchmarks/codec.py [--seconds S] [--repeats N] [--reference-python PATH]``.
Each figure is measured N times (default 10) for about S/N seconds (S defaults to 2) on one
core and the best run is printed: the machine is shared, and the best run is the one least
disturbed by other work. With --reference-python (an interpreter that has the published
E27 client, PyPI package ``elke27``, installed), or when that package is importable here,
the reference's decode path is measured on the same frames in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:  # run as a plain script: make the repository root importable
    sys.path.insert(0, ROOT)

from custom_components.elke27.e27 import crypto, framing, messages  # noqa: E402

SESSION_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")  # docs/protocol.md TV-8
# A zone status broadcast as the panel pushes it (docs/api.md §5.2 keys).
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
# Per-stage budgets in µs per frame; together well inside 1 s / TARGET_DECODE_RATE = 25 µs.
STAGE_TARGETS_US: Final = {
    "deframe + CRC": 8.0,
    "decrypt (open_envelope)": 4.0,
    "JSON decode (messages.decode)": 4.0,
    "parse (parse_message)": 3.0,
}
REFERENCE_TIMEOUT = 300.0

# Runs in the reference's interpreter: frames and key arrive as JSON on stdin, the best
# rate of its decode path leaves as JSON on stdout. The path is what its session does with
# every frame (deframe_feed, decrypt_schema0_envelope, json.loads), then Dispatcher.dispatch
# with no handler registered: its routing of the message, the counterpart of parse_message.
_REFERENCE_PROBE: Final = textwrap.dedent(
    """
    import json, sys, time
    from importlib.metadata import version
    from elke27_lib.dispatcher import Dispatcher
    from elke27_lib.framing import DeframeState, deframe_feed
    from elke27_lib.presentation import decrypt_schema0_envelope

    job = json.load(sys.stdin)
    frames = [bytes.fromhex(item) for item in job["frames"]]
    key = bytes.fromhex(job["key"])
    expected = job["payload"].encode()

    def batch():
        state = DeframeState()
        dispatcher = Dispatcher()
        count = 0
        for wire in frames:
            for result in deframe_feed(state, wire):
                if not result.ok:
                    raise RuntimeError(f"reference deframer error: {result.error}")
                raw = result.frame_no_crc
                envelope = decrypt_schema0_envelope(protocol_byte=raw[0], ciphertext=raw[3:], session_key=key)
                dispatcher.dispatch(json.loads(envelope.payload.decode("utf-8")))
                count += 1
        if count != len(frames):
            raise RuntimeError(f"reference decoded {count} of {len(frames)} frames")
        return count

    state = DeframeState()
    (first,) = deframe_feed(state, frames[0])
    opened = decrypt_schema0_envelope(protocol_byte=first.frame_no_crc[0], ciphertext=first.frame_no_crc[3:], session_key=key)
    if opened.payload != expected:
        raise RuntimeError("the reference decodes these frames to another payload")
    best = 0.0
    for _ in range(job["repeats"]):
        batch()
        units, start, elapsed = 0, time.perf_counter(), 0.0
        while elapsed < job["seconds"]:
            units += batch()
            elapsed = time.perf_counter() - start
        best = max(best, units / elapsed)
    print(json.dumps({"rate": best, "version": version("elke27")}))
    """
)


def measure(batch: Callable[[], int], seconds: float, repeats: int) -> float:
    """Best of repeats runs of batch (which returns how many units it processed), each about seconds/repeats long."""
    best = 0.0
    for _ in range(repeats):
        batch()  # warm up
        units = 0
        start = time.perf_counter()
        elapsed = 0.0
        while elapsed < seconds / repeats:
            units += batch()
            elapsed = time.perf_counter() - start
        best = max(best, units / elapsed)
    return best


def make_frames(count: int) -> list[bytes]:
    """count wire frames of the broadcast with envelope seqs 1..count (all ciphertexts differ)."""
    cipher = crypto.SessionCipher(SESSION_KEY)
    frames = []
    for envelope_seq in range(1, count + 1):
        protocol, ciphertext = crypto.seal(cipher, BROADCAST, envelope_seq=envelope_seq, src=0, dest=1)
        frames.append(framing.build_frame(protocol, ciphertext))
    return frames


def bench_encode(seconds: float, repeats: int) -> float:
    """Frames per second through seal + build_frame, with a session's cipher."""
    cipher = crypto.SessionCipher(SESSION_KEY)

    def batch() -> int:
        for envelope_seq in range(1, 1001):
            protocol, ciphertext = crypto.seal(cipher, BROADCAST, envelope_seq=envelope_seq, src=1, dest=0)
            framing.build_frame(protocol, ciphertext)
        return 1000

    return measure(batch, seconds, repeats)


def bench_decode(frames: list[bytes], seconds: float, repeats: int, *, parse: bool) -> float:
    """Frames per second through Deframer.feed + open_envelope (+ JSON decode and parse_message)."""
    deframer = framing.Deframer()
    cipher = crypto.SessionCipher(SESSION_KEY)

    def batch() -> int:
        count = 0
        for wire in frames:
            for item in deframer.feed(wire):
                if not isinstance(item, framing.Frame):
                    raise item
                envelope = crypto.open_envelope(cipher, item.protocol, item.data)
                if parse:
                    messages.parse_message(messages.decode(envelope.payload))
                count += 1
        if count != len(frames):
            raise RuntimeError(f"decoded {count} of {len(frames)} frames")
        return count

    return measure(batch, seconds, repeats)


def bench_stages(frames: list[bytes], seconds: float, repeats: int) -> dict[str, float]:
    """µs per frame of each decode stage alone, each fed the previous stage's output."""
    deframer = framing.Deframer()
    cipher = crypto.SessionCipher(SESSION_KEY)
    deframed = [item for wire in frames for item in deframer.feed(wire) if isinstance(item, framing.Frame)]
    payloads = [crypto.open_envelope(cipher, item.protocol, item.data).payload for item in deframed]
    objects = [messages.decode(payload) for payload in payloads]
    if not len(deframed) == len(payloads) == len(objects) == len(frames):
        raise RuntimeError("a stage lost frames")

    def stage_deframe() -> int:
        for wire in frames:
            deframer.feed(wire)
        return len(frames)

    def stage_decrypt() -> int:
        for item in deframed:
            crypto.open_envelope(cipher, item.protocol, item.data)
        return len(deframed)

    def stage_json() -> int:
        for payload in payloads:
            messages.decode(payload)
        return len(payloads)

    def stage_parse() -> int:
        for obj in objects:
            messages.parse_message(obj)
        return len(objects)

    stages = (stage_deframe, stage_decrypt, stage_json, stage_parse)
    share = seconds / len(stages)
    return {label: 1e6 / measure(stage, share, repeats) for label, stage in zip(STAGE_TARGETS_US, stages, strict=True)}


def bench_deframe(stream: bytes, frame_count: int, chunk: int, seconds: float, repeats: int) -> float:
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

    return measure(batch, seconds, repeats)


def reference_rate(frames: list[bytes], python: str | None, seconds: float, repeats: int) -> tuple[float, str] | str:
    """(frames/s, version) of the reference's decode path, or why it could not be measured."""
    job = json.dumps(
        {
            "frames": [wire.hex() for wire in frames],
            "key": SESSION_KEY.hex(),
            "payload": BROADCAST.decode(),
            "seconds": seconds / repeats,
            "repeats": repeats,
        }
    )
    if python is None:
        try:
            import elke27_lib  # type: ignore[import-not-found]  # noqa: F401, PLC0415
        except ImportError:
            return "not available (package elke27 not importable; see --reference-python)"
        python = sys.executable
    try:
        done = subprocess.run(  # noqa: S603 - the interpreter the user named, running our probe
            [python, "-c", _REFERENCE_PROBE],
            input=job,
            capture_output=True,
            text=True,
            timeout=REFERENCE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"not available ({err})"
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"not available ({last})"
    result: dict[str, Any] = json.loads(done.stdout)
    return float(result["rate"]), str(result["version"])


def row(label: str, value: float, unit: str, note: str = "") -> None:
    """Print one aligned figure."""
    print(f"{label:<48} {value:>12,.{1 if unit.startswith('µs') else 0}f} {unit}{note}")


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent on each figure")
    parser.add_argument("--repeats", type=int, default=10, help="runs per figure; the best is printed")
    parser.add_argument("--reference-python", help="an interpreter with the reference package (elke27) installed")
    args = parser.parse_args()
    seconds, repeats = args.seconds, max(1, args.repeats)

    frames = make_frames(STREAM_FRAMES)
    stream = b"".join(frames)
    print(f"payload: zone status broadcast, {len(BROADCAST)} bytes of JSON")
    print(f"frame:   {len(frames[0])} bytes on the wire (protocol 0x{frames[0][1]:02x})")
    print(f"stream:  {len(frames)} such frames, {len(stream):,} bytes (for the deframe-only figures)")
    print(f"python:  {sys.version.split()[0]}; each figure: best of {repeats} runs over {seconds:g} s")
    print()
    row("encode: seal + build_frame", bench_encode(seconds, repeats), "frames/s")
    row("decode: Deframer.feed + open_envelope", bench_decode(frames, seconds, repeats, parse=False), "frames/s")
    decode_rate = bench_decode(frames, seconds, repeats, parse=True)
    row(
        "decode: ... + messages.decode + parse_message",
        decode_rate,
        "frames/s",
        f"  (target ≥ {TARGET_DECODE_RATE:,}: {'met' if decode_rate >= TARGET_DECODE_RATE else 'MISSED'})",
    )
    for label, micros in bench_stages(frames, seconds, repeats).items():
        target = STAGE_TARGETS_US[label]
        row(
            f"  stage: {label}",
            micros,
            "µs/frame",
            f"  (target ≤ {target:g}: {'met' if micros <= target else 'MISSED'})",
        )
    row("deframe only: 1 byte per feed", bench_deframe(stream, len(frames), 1, seconds, repeats), "bytes/s")
    row(f"deframe only: {CHUNK} bytes per feed", bench_deframe(stream, len(frames), CHUNK, seconds, repeats), "bytes/s")
    print()
    reference = reference_rate(frames, args.reference_python, seconds, repeats)
    if isinstance(reference, str):
        print(f"reference codec: {reference}; comparison not available")
    else:
        rate, version = reference
        factor = decode_rate / rate
        row(f"reference elke27 {version}: same path, with dispatch", rate, "frames/s")
        # A comparison, not a target: the product's goal is the absolute rate above.
        print(f"decode + parse, ours / reference: {factor:.1f}×")


if __name__ == "__main__":
    main()

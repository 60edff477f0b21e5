"""JSON envelopes: requests, cleartext stream splitting, reply parsing (docs/protocol.md §6–§8)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .const import BROADCAST_SEQ, CLEARTEXT_SEQ, MAX_CLEARTEXT, ErrorCode, error_reason
from .errors import E27MessageError
from .values import MAX_JSON_DEPTH, as_int, as_u32, depth

type JsonObject = dict[str, Any]

REDACTED: Final = "**REDACTED**"
# Keys whose values are secret wherever they appear in a message.
SECRET_KEYS: Final = frozenset(
    {"pin", "pass", "enc", "hmac", "sk", "shm", "linkkey", "linkhmac", "access_code", "passphrase", "code"}
)
_ROOT_KEYS: Final = frozenset(
    {
        "seq",
        "session_id",
        "error_code",
        "error_message",
        "error_text",
        "error_detail",
        "error_payload",
        "payload",
        "detail",
    }
)
_MESSAGE_KEYS: Final = ("error_message", "error_text", "error_detail", "detail")
# The panel's error text is quoted in exceptions and logs; longer text is cut.
MAX_ERROR_TEXT: Final = 200
# Nesting below this depth is shown as a placeholder when logging.
REDACT_DEPTH: Final = MAX_JSON_DEPTH
_TOO_DEEP: Final = "…"
# Replies that carry seq and session_id inside their domain object.
NESTED_SEQ_DOMAINS: Final = frozenset({"hello", "authenticate"})


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """Who we are to the panel; the panel stores one link per `sn`."""

    mn: str
    sn: str
    fwver: str = "1.0"
    hwver: str = "1.0"
    osver: str = "1.0"

    def as_wire(self) -> JsonObject:
        """The identity fields in the order the panel is known to accept."""
        return {"mn": self.mn, "sn": self.sn, "fwver": self.fwver, "hwver": self.hwver, "osver": self.osver}


def encode(obj: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, key order preserved."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def build_request(seq: int, session_id: int, body: Mapping[str, Any]) -> bytes:
    """An online request: seq, session_id, then the domain object(s) of body."""
    return encode({"seq": seq, "session_id": session_id, **body})


def build_api_link_request(identity: ClientIdentity, pass_hex: str, cnonce: str, seq: int = CLEARTEXT_SEQ) -> bytes:
    """The cleartext api_link request."""
    return encode({"seq": seq, "api_link": {"pass": pass_hex, "cnonce": cnonce, **identity.as_wire()}})


def build_hello_request(identity: ClientIdentity, seq: int = CLEARTEXT_SEQ) -> bytes:
    """The cleartext hello request."""
    return encode({"seq": seq, "hello": identity.as_wire()})


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# Built once: json.loads with any option builds a new decoder at every call.
_DECODER: Final = json.JSONDecoder(parse_constant=_no_constant)


def decode(data: bytes) -> JsonObject:
    """Parse one JSON object nested at most MAX_JSON_DEPTH deep; anything else is an E27MessageError."""
    try:
        # What json.loads does with bytes: UTF-8, -16 or -32 as the first bytes tell ("{" then
        # a non-zero byte is UTF-8 without a BOM, the panel's case: no need to ask).
        utf8 = data[:1] == b"{" and data[1:2] != b"\x00"
        obj = _DECODER.decode(data.decode("utf-8" if utf8 else json.detect_encoding(data), "surrogatepass"))
    except RecursionError:
        raise E27MessageError(f"payload is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise E27MessageError(f"payload is not valid JSON: {err}") from err
    if not isinstance(obj, dict):
        raise E27MessageError(f"payload is a JSON {type(obj).__name__}, not an object")
    # Fewer brackets than the limit cannot nest too deep; only larger payloads are walked.
    if data.count(b"{") + data.count(b"[") > MAX_JSON_DEPTH and depth(obj) > MAX_JSON_DEPTH:
        raise E27MessageError(f"payload is nested deeper than {MAX_JSON_DEPTH} levels")
    return obj


class JsonStreamSplitter:
    """Splits an unframed byte stream into top-level JSON objects by brace counting.

    Bytes outside an object (whitespace, stray text) are skipped. ``pop`` scans
    only as far as the next complete object, so once the caller has the object it
    was waiting for, ``remainder`` holds every byte after it untouched (a caller
    that switches to framed traffic hands them to its deframer).
    """

    __slots__ = ("_buf", "_depth", "_escape", "_in_string", "_pos", "_start")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0
        self._start = -1
        self._depth = 0
        self._in_string = False
        self._escape = False

    @property
    def remainder(self) -> bytes:
        """Bytes not yet returned as part of an object."""
        return bytes(self._buf)

    def feed(self, data: bytes) -> None:
        """Append received bytes."""
        self._buf += data

    def pop(self) -> JsonObject | None:
        """The next complete object, or None until more bytes arrive."""
        buf = self._buf
        while self._pos < len(buf):
            byte = buf[self._pos]
            self._pos += 1
            if self._start < 0:
                if byte == 0x7B:  # {
                    self._start = self._pos - 1
                    self._depth = 1
                continue
            if self._pos - self._start > MAX_CLEARTEXT:  # stop scanning as soon as it is too long
                raise E27MessageError(f"unframed JSON object longer than {MAX_CLEARTEXT} bytes")
            if self._in_string:
                if self._escape:
                    self._escape = False
                elif byte == 0x5C:  # backslash
                    self._escape = True
                elif byte == 0x22:  # "
                    self._in_string = False
            elif byte == 0x22:
                self._in_string = True
            elif byte == 0x7B:
                self._depth += 1
            elif byte == 0x7D:  # }
                self._depth -= 1
                if not self._depth:
                    text = bytes(buf[self._start : self._pos])
                    del buf[: self._pos]
                    self._pos = 0
                    self._start = -1
                    return decode(text)
        if self._start < 0:
            del buf[: self._pos]  # skipped bytes outside any object
            self._pos = 0
        elif len(buf) - self._start > MAX_CLEARTEXT:
            raise E27MessageError(f"unframed JSON object longer than {MAX_CLEARTEXT} bytes")
        return None


@dataclass(frozen=True, slots=True)
class PanelError:
    """A non-zero error code found in a reply, with a readable reason."""

    code: int
    message: str

    @property
    def reason(self) -> str:
        """The panel's own text if it sent one, else our description of the code."""
        return self.message or error_reason(self.code)


@dataclass(frozen=True, slots=True)
class Message:
    """A decoded message from the panel."""

    seq: int | None
    session_id: int | None
    domain: str | None
    command: str | None
    body: JsonObject = field(repr=False)
    error: PanelError | None
    raw: JsonObject = field(repr=False)

    @property
    def is_broadcast(self) -> bool:
        """True for unsolicited messages (seq 0)."""
        return self.seq == BROADCAST_SEQ


def _envelope_u32(obj: Mapping[str, Any], key: str) -> int | None:
    """An envelope field (seq, session_id, error_code): absent is None, malformed is an E27MessageError."""
    value = obj.get(key)
    if value is None:
        return None
    number = as_u32(value)
    if number is None:
        raise E27MessageError(f"{key} is not an unsigned 32-bit number (a JSON {type(value).__name__})")
    return number


def _error_code(value: Any) -> int | None:
    """An error_code as sent: None for success (absent, 0, "0", false), else the code.

    Any other value is a failure, never a reason to drop the reply (its request would time
    out instead of failing): an integer or numeric string, negative or unknown, is kept as it
    is; anything else counts as ErrorCode.UNKNOWN (docs/api.md §2.4).
    """
    if value is None or value is False:
        return None
    code = as_int(value)
    if code is None:
        return ErrorCode.UNKNOWN
    return None if code == ErrorCode.NONE else code


def _error_in(obj: Mapping[str, Any]) -> PanelError | None:
    code = _error_code(obj.get("error_code"))
    if code is None:
        return None
    message = next((obj[key] for key in _MESSAGE_KEYS if isinstance(obj.get(key), str)), "")
    return PanelError(code, message[:MAX_ERROR_TEXT])


def parse_message(obj: JsonObject) -> Message:
    """Normalise a reply or broadcast: find its seq, route and any of the three error shapes.

    The envelope fields must be what docs/protocol.md §8 allows (unsigned 32-bit numbers, as
    JSON integers or ASCII digit strings); a malformed one raises E27MessageError.
    """
    seq = _envelope_u32(obj, "seq")
    session_id = _envelope_u32(obj, "session_id")
    error = _error_in(obj)
    domain = next((key for key in obj if key not in _ROOT_KEYS), None)
    command: str | None = None
    body: JsonObject = {}
    if domain is not None:
        inner = obj[domain]
        if isinstance(inner, dict):
            if domain in NESTED_SEQ_DOMAINS:
                seq = _envelope_u32(inner, "seq") if seq is None else seq
                nested_id = _envelope_u32(inner, "session_id")
                session_id = session_id if nested_id is None else nested_id
                body = inner
            else:
                command = next((key for key in inner if key != "error_code" and isinstance(inner[key], dict)), None)
                body = inner[command] if command is not None else inner
            error = error or _error_in(inner) or (_error_in(body) if body is not inner else None)
    return Message(seq, session_id, domain, command, body, error, obj)


def redact(value: Any, _depth: int = 0) -> Any:
    """A copy of a JSON value with every secret field replaced, for logging; nesting past REDACT_DEPTH is elided."""
    if isinstance(value, dict | list) and _depth >= REDACT_DEPTH:
        return _TOO_DEEP
    if isinstance(value, dict):
        return {key: REDACTED if key in SECRET_KEYS else redact(item, _depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, _depth + 1) for item in value]
    return value

"""Protocol constants, ports and named timeouts."""

from __future__ import annotations

from enum import IntEnum
from typing import Final

DEFAULT_PORT: Final = 2101
DISCOVERY_PORT: Final = 2362

# Timeouts, in seconds.
CONNECT_TIMEOUT: Final = 5.0
GREETING_TIMEOUT: Final = 10.0
LINK_REPLY_TIMEOUT: Final = 10.0
HELLO_TIMEOUT: Final = 5.0
REQUEST_TIMEOUT: Final = 5.0
# Probe after this long without inbound traffic; a probe unanswered within
# KEEPALIVE_TIMEOUT declares the link dead, so a dead panel is noticed in
# KEEPALIVE_INTERVAL + KEEPALIVE_TIMEOUT seconds at most.
KEEPALIVE_INTERVAL: Final = 10.0
KEEPALIVE_TIMEOUT: Final = 3.0
# After hello, a panel that answers nothing (or only with frames the session key cannot open)
# may hold another link key for us; a fresh session gets this long for a first answer before
# the client concludes it must link again.
LINK_CHECK_TIMEOUT: Final = 10.0
# A panel that is busy, rebooting its network stack or out of session slots looks the same for
# a while. Only after LINK_TROUBLE_ATTEMPTS such checks in a row, spread over at least
# LINK_TROUBLE_WINDOW seconds (with no working session between), does the client say that the
# link must be made again; it keeps trying meanwhile.
LINK_TROUBLE_ATTEMPTS: Final = 3
LINK_TROUBLE_WINDOW: Final = 120.0
CLOSE_TIMEOUT: Final = 2.0
# A command must reach the wire within this long of being asked for, or it fails unsent
# (a disarm or a garage door acting half a minute late is worse than an error).
COMMAND_DEADLINE: Final = 10.0
# 11039 (busy) means the panel did nothing: the request is sent again, at most BUSY_RETRIES
# times, BUSY_RETRY_DELAY seconds later (doubling each time), never past the deadline.
BUSY_RETRIES: Final = 3
BUSY_RETRY_DELAY: Final = 0.25
DISCOVERY_TIMEOUT: Final = 10.0
PROBE_TIMEOUT: Final = 3.0

# Link layer (docs/protocol.md §4).
FRAME_START: Final = 0x7E
FRAME_ESCAPED: Final = 0x00
MIN_FRAME_LENGTH: Final = 5
# The reference client accepts LENGTH up to 4096; the panel's own limit is unknown.
MAX_FRAME_LENGTH: Final = 4096

# Presentation layer (docs/protocol.md §3, §5).
AES_BLOCK: Final = 16
AES_IV: Final = bytes(range(16))
PROTOCOL_ENCRYPTED: Final = 0x80
PAD_MASK: Final = 0x0F
MAGIC: Final = b"\x2a\x42"
ENVELOPE_HEADER_SIZE: Final = 7
ENVELOPE_OVERHEAD: Final = ENVELOPE_HEADER_SIZE + len(MAGIC)
MAX_CIPHERTEXT: Final = MAX_FRAME_LENGTH - MIN_FRAME_LENGTH - (MAX_FRAME_LENGTH - MIN_FRAME_LENGTH) % 16
MAX_PAYLOAD: Final = MAX_CIPHERTEXT - ENVELOPE_OVERHEAD
CLIENT_SRC: Final = 1
CLIENT_DEST: Final = 0
ENVELOPE_SEQ_MAX: Final = 2_147_483_647

# Application envelope (docs/protocol.md §8).
CLEARTEXT_SEQ: Final = 110
JSON_SEQ_MAX: Final = 2_147_483_647
JSON_SEQ_WRAP: Final = 10
BROADCAST_SEQ: Final = 0
# Upper bound for unframed cleartext (greeting, hello reply) held while parsing.
MAX_CLEARTEXT: Final = 16384

GREETING_KEY: Final = "ELKWC2017"
DISCOVERY_REQUEST: Final = b'{"FIND":"ELKWCID"}'
DISCOVERY_MARKER: Final = b"ELKWC2017"


class ErrorCode(IntEnum):
    """Panel error codes (ELKERR_*); unknown values stay plain integers."""

    NONE = 0
    UNRECOGNIZED_CMD = 11001
    ID_EXISTS = 11002
    INVALID_TABLE = 11003
    INVALID_PARAM = 11004
    NOT_ENOUGH_SPACE = 11005
    INVALID_ID = 11006
    TIMEOUT = 11007
    NOAUTH = 11008
    MISSING = 11009
    CALLBACK_INVALID = 11010
    NO_RESP = 11011
    DUPLICATE_PIN = 11012
    DUPLICATE_NAME = 11013
    INVALID_MEDIA = 11014
    NOT_READY = 11015
    IN_USE = 11016
    STORAGE_NOT_READY = 11017
    UNKNOWN_BUS_MODULE = 11018
    IN_USE_BY_RULE = 11019
    STRING_TRUNCATED = 11020
    INVALID_CACHE = 11021
    INVALID_MODE = 11022
    NOT_BYPASSABLE = 11023
    REBOOT_REQ = 11024
    CLOUD_BROKER_ALREADY_CONNECTED = 11025
    CLOUD_TOO_MANY_SESSIONS = 11026
    IN_ALARM = 11027
    NOT_ALLOWED_WHEN_ARMED = 11028
    TWO_WSMK_NOT_ALLOWED = 11029
    INCOMPATIBLE = 11030
    UPDATING = 11031
    DUPLICATE_SN = 11032
    INVALID_AREA = 11033
    NOT_ENABLE = 11034
    RCVD_DONE = 11035
    INVALID_SESSION = 11036
    INVALID_PIN = 11037
    DURESS_USER_NOT_ALLOWED = 11038
    ZWAVE_BUSY = 11039
    ZWAVE_DONE = 11040
    UNKNOWN = 0xFFFFFFFF


_REASONS: Final[dict[int, str]] = {
    ErrorCode.UNRECOGNIZED_CMD: "unrecognized command",
    ErrorCode.INVALID_PARAM: "invalid parameter (for arming: wrong user code)",
    ErrorCode.NOT_ENOUGH_SPACE: "not enough space",
    ErrorCode.INVALID_ID: "invalid id",
    ErrorCode.TIMEOUT: "timeout",
    ErrorCode.NOAUTH: "not authorized",
    ErrorCode.NOT_READY: "not ready",
    ErrorCode.IN_USE: "in use",
    ErrorCode.NOT_BYPASSABLE: "zone cannot be bypassed",
    ErrorCode.IN_ALARM: "area is in alarm",
    ErrorCode.NOT_ALLOWED_WHEN_ARMED: "not allowed while armed",
    ErrorCode.INVALID_AREA: "invalid area",
    ErrorCode.INVALID_SESSION: "invalid session",
    ErrorCode.INVALID_PIN: "invalid PIN",
    ErrorCode.ZWAVE_BUSY: "panel busy",
}


def error_reason(code: int) -> str:
    """A readable reason for a panel error code, known or not."""
    if code in _REASONS:
        return _REASONS[code]
    try:
        return ErrorCode(code).name.lower().replace("_", " ")
    except ValueError:
        return "unknown error"

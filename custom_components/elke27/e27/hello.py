"""The hello exchange on a greeted connection: read the cleartext reply, check it, decrypt the session keys (docs/protocol.md §7)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Final

from .connection import async_read_cleartext
from .const import ErrorCode
from .crypto import decrypt_key_field
from .errors import (
    E27ConnectionError,
    E27CryptoError,
    E27MessageError,
    E27ProtocolError,
    E27ProvisioningRequired,
    E27SessionRefusedError,
)
from .messages import JsonObject, JsonStreamSplitter, parse_message

SESSION_KEY_SIZE: Final = 16
SESSION_HMAC_SIZE: Final = 32
_RELINK_CODES: Final = frozenset({ErrorCode.INVALID_ID, ErrorCode.NOAUTH})


@dataclass(frozen=True, slots=True)
class HelloResult:
    """What an accepted hello gives a session."""

    session_id: int
    session_key: bytes = field(repr=False)


async def read_hello_reply(
    reader: asyncio.StreamReader, splitter: JsonStreamSplitter, timeout: float, name: str
) -> JsonObject:
    """The first cleartext object carrying `hello`; greeting leftovers before it are skipped."""
    return await async_read_cleartext(reader, splitter, timeout, _hello_reply, "hello reply", name)


def _hello_reply(obj: JsonObject) -> JsonObject | None:
    return obj if isinstance(obj.get("hello"), dict) else None


def accept_hello(reply: JsonObject, linkkey: str) -> HelloResult:
    """Check a hello reply and decrypt its session key with the link key.

    Raises E27ProvisioningRequired (11006/11008: link again), E27ConnectionError (refused,
    e.g. another client holds this identity) or E27ProtocolError (malformed reply).
    """
    try:
        message = parse_message(reply)
    except E27MessageError as err:
        raise E27ProtocolError(f"malformed hello reply: {err}") from err
    if message.error is not None:
        if message.error.code in _RELINK_CODES:
            raise E27ProvisioningRequired(
                f"the panel refused this client's link ({message.error.reason}, error {message.error.code}): "
                "link it again"
            )
        raise E27ConnectionError(f"the panel refused the session: {message.error.reason}")
    body = message.body
    sk, shm = body.get("sk"), body.get("shm")
    if message.session_id is None or not isinstance(sk, str) or not sk or not isinstance(shm, str) or not shm:
        raise E27SessionRefusedError(
            "the panel refused a new session (no session key); another client may be using this identity"
        )
    try:
        session_key = decrypt_key_field(linkkey, sk)
        hmac_key = decrypt_key_field(linkkey, shm)
    except E27CryptoError as err:
        raise E27ProtocolError(f"unreadable session key in the hello reply: {err}") from err
    if len(session_key) != SESSION_KEY_SIZE or len(hmac_key) != SESSION_HMAC_SIZE:
        raise E27ProtocolError("the hello reply's session keys have the wrong size")
    return HelloResult(message.session_id, session_key)

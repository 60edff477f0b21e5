"""api_link mechanics: nonce, `pass`/`tempkey` derivation, request, reply → LinkCredentials (docs/protocol.md §6)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from .connection import READ_SIZE
from .const import ErrorCode
from .crypto import LinkSecrets, derive_link_secrets, hex_key_to_aes, new_cnonce, open_envelope
from .errors import E27CryptoError, E27LinkError, E27LinkTableFullError, E27MessageError
from .framing import Deframer, Frame
from .messages import MAX_ERROR_TEXT, ClientIdentity, JsonObject, build_api_link_request, decode
from .values import as_u32

_LOGGER = logging.getLogger(__package__)
_TABLE_FULL_TEXT = "not enough space"


@dataclass(frozen=True, slots=True)
class LinkCredentials:
    """The long-lived link key and link HMAC the panel gave this client identity."""

    linkkey: str = field(repr=False)
    linkhmac: str = field(repr=False)

    def __repr__(self) -> str:
        return "LinkCredentials(linkkey=<redacted>, linkhmac=<redacted>)"


def build_link_request(
    identity: ClientIdentity, *, access_code: str, passphrase: str, nonce: str, cnonce: str | None = None
) -> tuple[bytes, LinkSecrets]:
    """The cleartext api_link request and the secrets needed to read its reply."""
    cnonce = cnonce or new_cnonce()
    secrets = derive_link_secrets(
        access_code=access_code, passphrase=passphrase, nonce=nonce, cnonce=cnonce, mn=identity.mn, sn=identity.sn
    )
    return build_api_link_request(identity, secrets.pass_hex, cnonce), secrets


def _find_link_object(payload: bytes) -> JsonObject:
    obj = decode(payload)
    inner = obj.get("api_link")
    return inner if isinstance(inner, dict) else obj


def _is_hex(text: object, size: int | None = None) -> bool:
    if not isinstance(text, str) or not text or len(text) % 2:
        return False
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return False
    return size is None or len(raw) == size


def parse_link_reply(frame: Frame, secrets: LinkSecrets) -> LinkCredentials:
    """Decrypt the framed api_link reply with the tempkey and extract the credentials."""
    envelope = open_envelope(hex_key_to_aes(secrets.tempkey_hex), frame.protocol, frame.data)
    if envelope.head:
        _LOGGER.debug("api_link reply has head byte 0x%02x (0 expected); parsing anyway", envelope.head)
    reply = _find_link_object(envelope.payload)
    raw_code = reply.get("error_code", 0)
    code = as_u32(raw_code)
    text = next((reply[key] for key in ("error_message", "error_text") if isinstance(reply.get(key), str)), "")
    text = text[:MAX_ERROR_TEXT]
    if code == ErrorCode.NOT_ENOUGH_SPACE or _TABLE_FULL_TEXT in text.lower():
        raise E27LinkTableFullError(
            "the panel has no free link slot (Not enough space): remove an unused integration link on the panel"
        )
    detail = f": {text}" if text else ""
    if code is None:
        raise E27LinkError(f"the panel's link reply has an unreadable error code (a JSON {type(raw_code).__name__})")
    if code:
        raise E27LinkError(f"the panel refused the link (error {code}{detail})")
    linkkey, linkhmac = reply.get("enc"), reply.get("hmac")
    if not _is_hex(linkkey, 16) or not _is_hex(linkhmac):
        raise E27LinkError(f"the panel's link reply did not contain valid link credentials{detail}")
    assert isinstance(linkkey, str)
    assert isinstance(linkhmac, str)
    return LinkCredentials(linkkey.lower(), linkhmac.lower())


async def async_link(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    nonce: str,
    identity: ClientIdentity,
    access_code: str,
    passphrase: str,
    timeout: float,
) -> LinkCredentials:
    """Send api_link on a greeted connection and wait for the panel's framed reply.

    A wrong access code or passphrase makes the panel stay silent, so the only
    signal is the timeout, which becomes an E27LinkError saying so.
    """
    request, secrets = build_link_request(identity, access_code=access_code, passphrase=passphrase, nonce=nonce)
    writer.write(request)
    deframer = Deframer()
    try:
        async with asyncio.timeout(timeout):
            await writer.drain()
            while True:
                data = await reader.read(READ_SIZE)
                if not data:
                    raise E27LinkError(
                        "the panel closed the connection without answering the link request; "
                        "the access code or passphrase may be wrong"
                    )
                for item in deframer.feed(data):
                    if not isinstance(item, Frame):
                        _LOGGER.debug("Ignoring bad frame while linking: %s", item)
                        continue
                    try:
                        return parse_link_reply(item, secrets)
                    except (E27CryptoError, E27MessageError) as err:
                        _LOGGER.debug("Ignoring unreadable frame while linking: %s", err)
    except TimeoutError as err:
        raise E27LinkError(
            f"the panel did not answer the link request within {timeout:g} s; the access code or passphrase "
            "may be wrong, or the panel is not accepting links"
        ) from err
    except OSError as err:
        raise E27LinkError(f"connection lost while linking: {err}") from err

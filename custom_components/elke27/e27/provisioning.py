"""Provisioning glue: connect, read the greeting, run api_link, close (docs/protocol.md §9.1 step 2)."""

from __future__ import annotations

from .connection import async_close, async_open, async_read_greeting
from .const import CONNECT_TIMEOUT, GREETING_TIMEOUT, LINK_REPLY_TIMEOUT
from .linking import LinkCredentials, async_link
from .messages import ClientIdentity, JsonStreamSplitter


async def async_provision(
    host: str,
    port: int,
    access_code: str,
    passphrase: str,
    identity: ClientIdentity,
    timeout: float = LINK_REPLY_TIMEOUT,
) -> LinkCredentials:
    """Link this client identity to the panel and return the credentials to persist.

    Raises E27ConnectionError if the panel cannot be reached and E27LinkError
    (E27LinkTableFullError for a full link table) if linking fails. The access
    code and passphrase are used for this exchange only.
    """
    reader, writer = await async_open(host, port, CONNECT_TIMEOUT)
    try:
        greeting = await async_read_greeting(reader, JsonStreamSplitter(), min(timeout, GREETING_TIMEOUT))
        return await async_link(
            reader,
            writer,
            nonce=greeting.nonce,
            identity=identity,
            access_code=access_code,
            passphrase=passphrase,
            timeout=timeout,
        )
    finally:
        await async_close(writer)

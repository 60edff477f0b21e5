"""Opening a TCP connection to the panel and reading its cleartext greeting (docs/protocol.md §2.2)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from .const import CLOSE_TIMEOUT, GREETING_KEY
from .errors import E27ConnectionError, E27TimeoutError
from .messages import JsonStreamSplitter

_LOGGER = logging.getLogger(__package__)
READ_SIZE = 65536


@dataclass(frozen=True, slots=True)
class Greeting:
    """The panel's first words on a connection."""

    nonce: str


async def async_open(host: str, port: int, timeout: float) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to the panel; raise E27ConnectionError if it cannot be reached in time."""
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.open_connection(host, port)
    except TimeoutError as err:
        raise E27TimeoutError(f"connecting to {host}:{port} timed out after {timeout:g} s") from err
    except OSError as err:
        raise E27ConnectionError(f"cannot connect to {host}:{port}: {err.strerror or err}") from err


async def async_read_greeting(reader: asyncio.StreamReader, splitter: JsonStreamSplitter, timeout: float) -> Greeting:
    """Read JSON objects until the greeting with its nonce; later bytes stay in splitter."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                while (obj := splitter.pop()) is not None:
                    nonce = obj.get("nonce")
                    if GREETING_KEY in obj and isinstance(nonce, str) and nonce:
                        return Greeting(nonce)
                    _LOGGER.debug("Ignoring cleartext object before the greeting: %s", sorted(obj))
                data = await reader.read(READ_SIZE)
                if not data:
                    raise E27ConnectionError("the panel closed the connection before greeting")
                splitter.feed(data)
    except TimeoutError as err:
        raise E27TimeoutError(f"the panel sent no greeting within {timeout:g} s") from err
    except OSError as err:
        raise E27ConnectionError(f"connection lost while waiting for the greeting: {err}") from err


async def async_close(writer: asyncio.StreamWriter) -> None:
    """Close a connection, waiting briefly for the transport to finish."""
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await writer.wait_closed()

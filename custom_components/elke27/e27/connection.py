"""Opening a TCP connection to the panel and reading its cleartext greeting (docs/protocol.md §2.2)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from .const import CLOSE_TIMEOUT, GREETING_KEY
from .errors import E27ConnectionError, E27TimeoutError
from .messages import JsonObject, JsonStreamSplitter

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


async def async_read_cleartext[T](
    reader: asyncio.StreamReader,
    splitter: JsonStreamSplitter,
    timeout: float,
    pick: Callable[[JsonObject], T | None],
    what: str,
    name: str,
) -> T:
    """Read cleartext JSON objects until pick accepts one; the others are skipped, later bytes stay in splitter.

    what names the awaited object in the errors: E27TimeoutError when it does not come in
    time, E27ConnectionError when the connection closes or fails first.
    """
    try:
        async with asyncio.timeout(timeout):
            while True:
                while (obj := splitter.pop()) is not None:
                    if (found := pick(obj)) is not None:
                        return found
                    _LOGGER.debug("%s: ignoring cleartext object before the %s: %s", name, what, sorted(obj))
                data = await reader.read(READ_SIZE)
                if not data:
                    raise E27ConnectionError(f"the panel closed the connection before the {what}")
                splitter.feed(data)
    except TimeoutError as err:
        raise E27TimeoutError(f"the panel sent no {what} within {timeout:g} s") from err
    except OSError as err:
        raise E27ConnectionError(f"connection lost while waiting for the {what}: {err}") from err


async def async_read_greeting(
    reader: asyncio.StreamReader, splitter: JsonStreamSplitter, timeout: float, name: str = "E27"
) -> Greeting:
    """Read JSON objects until the greeting with its nonce; later bytes stay in splitter."""
    return await async_read_cleartext(reader, splitter, timeout, _greeting, "greeting", name)


def _greeting(obj: JsonObject) -> Greeting | None:
    nonce = obj.get("nonce")
    return Greeting(nonce) if GREETING_KEY in obj and isinstance(nonce, str) and nonce else None


async def async_close(writer: asyncio.StreamWriter) -> None:
    """Close a connection, waiting briefly for the transport to finish."""
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await writer.wait_closed()

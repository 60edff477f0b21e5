"""One runtime connection to the panel: greeting, hello, then framed encrypted JSON (PROTOCOL.md §7–§9).

The session alone decides whether traffic is framed: the greeting, the hello
request and the hello reply are cleartext; everything after the hello reply is
a schema-0 frame under the session key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Final

from .connection import READ_SIZE, async_close, async_open, async_read_greeting
from .const import (
    CLIENT_DEST,
    CLIENT_SRC,
    CONNECT_TIMEOUT,
    ENVELOPE_SEQ_MAX,
    HELLO_TIMEOUT,
    JSON_SEQ_MAX,
    JSON_SEQ_WRAP,
    KEEPALIVE_INTERVAL,
    KEEPALIVE_TIMEOUT,
    REQUEST_TIMEOUT,
    ErrorCode,
)
from .crypto import decrypt_key_field, open_envelope, seal
from .errors import (
    E27CommandError,
    E27ConnectionError,
    E27CryptoError,
    E27Error,
    E27MessageError,
    E27ProtocolError,
    E27ProvisioningRequired,
    E27SessionRefusedError,
    E27TimeoutError,
)
from .framing import Deframer, Frame, build_frame
from .messages import (
    ClientIdentity,
    JsonObject,
    JsonStreamSplitter,
    Message,
    build_hello_request,
    build_request,
    decode,
    parse_message,
    redact,
)

_LOGGER = logging.getLogger(__package__)

SESSION_KEY_SIZE: Final = 16
SESSION_HMAC_SIZE: Final = 32
_RELINK_CODES: Final = frozenset({ErrorCode.INVALID_ID, ErrorCode.NOAUTH})

type MessageListener = Callable[[Message], None]
type ConnectionLostListener = Callable[[E27Error], None]


def _subscribe[T](listeners: list[T], listener: T) -> Callable[[], None]:
    listeners.append(listener)

    def unsubscribe() -> None:
        with contextlib.suppress(ValueError):
            listeners.remove(listener)

    return unsubscribe


class SessionState(Enum):
    """Where a session is in its life."""

    NEW = "new"
    CONNECTING = "connecting"
    ONLINE = "online"
    CLOSED = "closed"


class _Slot:
    """The single request-in-flight slot, handed out first come first served (probes jump the queue)."""

    def __init__(self) -> None:
        self._busy = False
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, *, priority: bool = False) -> None:
        if not self._busy and not self._waiters:
            self._busy = True
            return
        waiter = asyncio.get_running_loop().create_future()
        if priority:
            self._waiters.appendleft(waiter)
        else:
            self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.release()  # handed the slot as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._busy = False

    def fail_all(self, exc: BaseException) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(exc)


class Session:
    """A connection to the panel that speaks hello and then framed, encrypted JSON.

    Requests go out one at a time and are matched to replies by JSON `seq`;
    broadcasts (seq 0) go to message listeners. A keepalive probe is sent after
    `keepalive_interval` seconds without inbound traffic; if it is not answered
    within `keepalive_timeout`, or the connection fails in any other way, every
    waiting request fails with that first error and the connection-lost
    listeners are told. A session connects once; reconnecting means a new session.
    """

    def __init__(
        self,
        host: str,
        port: int,
        identity: ClientIdentity,
        linkkey: str | None,
        *,
        name: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        hello_timeout: float = HELLO_TIMEOUT,
        request_timeout: float = REQUEST_TIMEOUT,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        keepalive_timeout: float = KEEPALIVE_TIMEOUT,
    ) -> None:
        self.host = host
        self.port = port
        self.name = name or f"{host}:{port}"
        self._identity = identity
        self._linkkey = linkkey
        self._connect_timeout = connect_timeout
        self._hello_timeout = hello_timeout
        self._request_timeout = request_timeout
        self._keepalive_interval = keepalive_interval
        self._keepalive_timeout = keepalive_timeout
        self.state = SessionState.NEW
        self.session_id: int | None = None
        self._session_key = b""
        self._writer: asyncio.StreamWriter | None = None
        self._deframer = Deframer()
        self._envelope_seq = 0
        self._json_seq = 0
        self._slot = _Slot()
        self._pending: tuple[int, asyncio.Future[Message]] | None = None
        self._failure: E27Error | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._probe_now = asyncio.Event()
        self._last_rx = 0.0
        self._message_listeners: list[MessageListener] = []
        self._inbound_listeners: list[MessageListener] = []
        self._lost_listeners: list[ConnectionLostListener] = []

    def __repr__(self) -> str:
        return f"<Session {self.name} {self.state.value} session_id={self.session_id}>"

    @property
    def connected(self) -> bool:
        """True while the session is online."""
        return self.state is SessionState.ONLINE

    # -- listeners -----------------------------------------------------------------------------

    def add_message_listener(self, listener: MessageListener, *, replies: bool = False) -> Callable[[], None]:
        """Call listener with every unsolicited message (broadcasts); returns an unsubscribe callable.

        With replies=True the listener sees every inbound message, replies included, in
        arrival order and before a reply completes its request: a state model applies
        replies and broadcasts in the order the panel sent them.
        """
        return _subscribe(self._inbound_listeners if replies else self._message_listeners, listener)

    def add_connection_lost_listener(self, listener: ConnectionLostListener) -> Callable[[], None]:
        """Call listener once with the error that ended an online session; returns an unsubscribe callable."""
        return _subscribe(self._lost_listeners, listener)

    # -- connect and hello ---------------------------------------------------------------------

    async def connect(self) -> None:
        """Connect, read the greeting and perform hello; the session is online on return."""
        if self.state is not SessionState.NEW:
            raise RuntimeError("a session connects only once; create a new one to reconnect")
        if not self._linkkey:
            raise E27ProvisioningRequired("no link credentials for this panel: link it again")
        self.state = SessionState.CONNECTING
        try:
            reader, writer = await async_open(self.host, self.port, self._connect_timeout)
        except BaseException:
            self.state = SessionState.CLOSED
            raise
        try:
            splitter = JsonStreamSplitter()
            await async_read_greeting(reader, splitter, self._hello_timeout)
            writer.write(build_hello_request(self._identity))
            hello = await self._read_hello_reply(reader, splitter)
            self._accept_hello(hello)
        except BaseException:
            self.state = SessionState.CLOSED
            await async_close(writer)
            raise
        self._writer = writer
        self._last_rx = asyncio.get_running_loop().time()
        self.state = SessionState.ONLINE
        _LOGGER.debug("%s: session %s online", self.name, self.session_id)
        # Anything the panel sent right behind the hello reply is already framed.
        self._on_data(splitter.remainder)
        self._spawn(self._read_loop(reader))
        self._spawn(self._keepalive_loop())

    async def _read_hello_reply(self, reader: asyncio.StreamReader, splitter: JsonStreamSplitter) -> JsonObject:
        try:
            async with asyncio.timeout(self._hello_timeout):
                while True:
                    while (obj := splitter.pop()) is not None:
                        if isinstance(obj.get("hello"), dict):
                            return obj
                        _LOGGER.debug("%s: ignoring cleartext object %s", self.name, sorted(obj))
                    data = await reader.read(READ_SIZE)
                    if not data:
                        raise E27ConnectionError("the panel closed the connection during hello")
                    splitter.feed(data)
        except TimeoutError as err:
            raise E27TimeoutError(f"the panel did not answer hello within {self._hello_timeout:g} s") from err
        except OSError as err:
            raise E27ConnectionError(f"connection lost during hello: {err}") from err

    def _accept_hello(self, reply: JsonObject) -> None:
        message = parse_message(reply)
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
        assert self._linkkey is not None
        try:
            session_key = decrypt_key_field(self._linkkey, sk)
            hmac_key = decrypt_key_field(self._linkkey, shm)
        except E27CryptoError as err:
            raise E27ProtocolError(f"unreadable session key in the hello reply: {err}") from err
        if len(session_key) != SESSION_KEY_SIZE or len(hmac_key) != SESSION_HMAC_SIZE:
            raise E27ProtocolError("the hello reply's session keys have the wrong size")
        self._session_key = session_key
        self.session_id = message.session_id

    # -- requests ------------------------------------------------------------------------------

    async def request(
        self, domain: str, command: str, payload: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> Message:
        """Send `{domain: {command: payload}}` and return the reply; a panel error raises E27CommandError."""
        return await self.request_body({domain: {command: dict(payload or {})}}, timeout=timeout)

    async def authenticate(self, pin: int) -> Message:
        """Raise this session's privilege with a user PIN; the panel issues a new session id."""
        return await self.request_body({"authenticate": {"pin": pin}}, priority=True)

    async def request_body(
        self, body: Mapping[str, Any], *, timeout: float | None = None, priority: bool = False
    ) -> Message:
        """Send one request whose domain object(s) are body; one request is in flight at a time."""
        self._raise_if_not_online()
        await self._slot.acquire(priority=priority)
        try:
            self._raise_if_not_online()
            return await self._exchange(body, self._request_timeout if timeout is None else timeout)
        finally:
            self._slot.release()

    async def _exchange(self, body: Mapping[str, Any], timeout: float) -> Message:
        loop = asyncio.get_running_loop()
        seq = self._next_json_seq()
        route = ".".join(self._route(body))
        future: asyncio.Future[Message] = loop.create_future()
        self._pending = (seq, future)
        sent_at = loop.time()
        try:
            self._send(build_request(seq, self.session_id or 0, body), body)
            async with asyncio.timeout(timeout):
                message = await future
        except TimeoutError:
            if self._last_rx < sent_at:
                self._probe_now.set()  # silence since sending: check the link now
            raise E27TimeoutError(f"the panel did not answer {route} within {timeout:g} s") from None
        finally:
            self._pending = None
        if message.session_id is not None and message.session_id != self.session_id:
            _LOGGER.debug("%s: panel moved the session to id %s", self.name, message.session_id)
            self.session_id = message.session_id
        if message.error is not None:
            raise E27CommandError(message.error.code, message.error.reason)
        return message

    @staticmethod
    def _route(body: Mapping[str, Any]) -> list[str]:
        domain = next(iter(body), "?")
        inner = body.get(domain)
        command = next(iter(inner), None) if isinstance(inner, Mapping) and domain != "authenticate" else None
        return [domain] if command is None else [domain, command]

    def _next_json_seq(self) -> int:
        self._json_seq = self._json_seq + 1 if self._json_seq < JSON_SEQ_MAX else JSON_SEQ_WRAP
        return self._json_seq

    def _send(self, payload: bytes, body: Mapping[str, Any]) -> None:
        assert self._writer is not None
        self._envelope_seq = self._envelope_seq + 1 if self._envelope_seq < ENVELOPE_SEQ_MAX else 1
        protocol, ciphertext = seal(
            self._session_key, payload, envelope_seq=self._envelope_seq, src=CLIENT_SRC, dest=CLIENT_DEST
        )
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("%s: -> %s", self.name, redact(dict(body)))
        self._writer.write(build_frame(protocol, ciphertext))

    def _raise_if_not_online(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self.state is not SessionState.ONLINE:
            raise E27ConnectionError(f"session is {self.state.value}, not online")

    # -- receiving -----------------------------------------------------------------------------

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        try:
            while data := await reader.read(READ_SIZE):
                self._last_rx = asyncio.get_running_loop().time()
                self._on_data(data)
                if self._failure is not None:
                    return
            self._fail(E27ConnectionError("the panel closed the connection"))
        except OSError as err:
            self._fail(E27ConnectionError(f"connection lost: {err}"))

    def _on_data(self, data: bytes) -> None:
        for item in self._deframer.feed(data):
            if not isinstance(item, Frame):
                # The panel drops bad frames silently; we do the same and let timeouts recover.
                _LOGGER.debug("%s: dropped a bad frame: %s", self.name, item)
                continue
            try:
                envelope = open_envelope(self._session_key, item.protocol, item.data)
                message = parse_message(decode(envelope.payload))
            except (E27CryptoError, E27MessageError) as err:
                self._fail(E27ProtocolError(f"unreadable message from the panel: {err}"))
                return
            self._dispatch(message)

    def _dispatch(self, message: Message) -> None:
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("%s: <- %s", self.name, redact(message.raw))
        for listener in tuple(self._inbound_listeners):
            try:
                listener(message)
            except Exception:
                _LOGGER.exception("%s: message listener failed", self.name)
        pending = self._pending
        if not message.is_broadcast and message.seq is not None:
            if pending is not None and pending[0] == message.seq and not pending[1].done():
                pending[1].set_result(message)
            else:
                _LOGGER.debug("%s: ignoring late or unsolicited reply seq %s", self.name, message.seq)
            return
        for listener in tuple(self._message_listeners):
            try:
                listener(message)
            except Exception:
                _LOGGER.exception("%s: message listener failed", self.name)

    # -- keepalive -----------------------------------------------------------------------------

    async def _keepalive_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while self.state is SessionState.ONLINE:
            wait = self._last_rx + self._keepalive_interval - loop.time()
            if wait > 0 and not self._probe_now.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._probe_now.wait()
                continue
            self._probe_now.clear()
            try:
                await self.request_body({"system": {"r_u_alive": {}}}, timeout=self._keepalive_timeout, priority=True)
            except E27CommandError:
                pass  # any answer proves the link is alive
            except E27TimeoutError:
                if self._last_rx + self._keepalive_timeout < loop.time():
                    self._fail(E27TimeoutError("the panel stopped answering (keepalive timed out)"))
                    return
            except E27Error:
                return

    # -- failure and close ---------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _fail(self, exc: E27Error) -> None:
        """The one fatal path: close, fail everything waiting with the first error, tell listeners."""
        if self._failure is not None:
            return
        self._failure = exc
        was_online = self.state is SessionState.ONLINE
        self.state = SessionState.CLOSED
        _LOGGER.debug("%s: session ended: %s", self.name, exc)
        if self._writer is not None:
            self._writer.close()
        if self._pending is not None and not self._pending[1].done():
            self._pending[1].set_exception(exc)
        self._slot.fail_all(exc)
        current = asyncio.current_task()
        for task in tuple(self._tasks):
            if task is not current:
                task.cancel()
        if was_online:
            for listener in tuple(self._lost_listeners):
                try:
                    listener(exc)
                except Exception:
                    _LOGGER.exception("%s: connection-lost listener failed", self.name)

    async def close(self) -> None:
        """Close the connection and free the panel's session slot; pending requests fail."""
        self._lost_listeners.clear()
        self._fail(E27ConnectionError("session closed"))
        tasks = tuple(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._writer is not None:
            await async_close(self._writer)

"""One runtime connection to the panel: greeting, hello, then framed encrypted JSON (docs/protocol.md §7–§9).

The session alone decides whether traffic is framed: the greeting, the hello
request and the hello reply are cleartext; everything after the hello reply is
a schema-0 frame under the session key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Final

from .connection import READ_SIZE, async_close, async_open, async_read_greeting
from .const import (
    BUSY_RETRIES,
    BUSY_RETRY_DELAY,
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
from .crypto import SessionCipher, open_envelope, quirk_safe, seal
from .errors import (
    E27CommandError,
    E27ConnectionError,
    E27CryptoError,
    E27Error,
    E27MessageError,
    E27NotSentError,
    E27ProtocolError,
    E27ProvisioningRequired,
    E27TimeoutError,
)
from .framing import Deframer, Frame, build_frame
from .hello import accept_hello, read_hello_reply
from .inflight import RequestSlot
from .listeners import Listeners
from .messages import (
    ClientIdentity,
    JsonStreamSplitter,
    Message,
    build_hello_request,
    build_request,
    decode,
    parse_message,
    redact,
)
from .tasks import TaskSet

_LOGGER = logging.getLogger(__package__)

# Bytes handed to the deframer at a time; the loop runs other tasks between slices.
FEED_SLICE: Final = 8192

type MessageListener = Callable[[Message], None]
type ConnectionLostListener = Callable[[E27Error], None]


class SessionState(Enum):
    """Where a session is in its life."""

    NEW = "new"
    CONNECTING = "connecting"
    ONLINE = "online"
    CLOSED = "closed"


class Session:
    """A connection to the panel that speaks hello and then framed, encrypted JSON.

    Requests go out one at a time and are matched to replies by JSON `seq`;
    broadcasts (seq 0) go to message listeners. A keepalive probe is sent after
    `keepalive_interval` seconds without inbound traffic; if it is not answered
    within `keepalive_timeout`, or the connection fails in any other way, every
    waiting request fails with that first error and the connection-lost
    listeners are told. A frame that cannot be opened ends the session; a message
    whose content breaks the protocol is dropped; an unexpected exception in one of
    the session's tasks ends it with an E27ProtocolError. A session connects once;
    reconnecting means a new session.
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
        self._cipher: SessionCipher | None = None
        """AES under the session key, built once at hello."""
        self._writer: asyncio.StreamWriter | None = None
        self._deframer = Deframer()
        self._envelope_seq = 0
        self._json_seq = 0
        self._slot = RequestSlot()
        self._pending: tuple[int, asyncio.Future[Message]] | None = None
        self._failure: E27Error | None = None
        self._tasks = TaskSet(self.name)
        self._probe_now = asyncio.Event()
        self._last_rx = 0.0
        # Evidence about the link key (see link_suspect).
        self._hello_accepted = False
        self._frames_opened = 0
        self._unreadable = False
        self._unanswered = False
        self._malformed = 0
        self._message_listeners = Listeners[Message](self.name, "message")
        self._inbound_listeners = Listeners[Message](self.name, "message")
        self._lost_listeners = Listeners[E27Error](self.name, "connection-lost")

    def __repr__(self) -> str:
        return f"<Session {self.name} {self.state.value} session_id={self.session_id}>"

    @property
    def connected(self) -> bool:
        """True while the session is online."""
        return self.state is SessionState.ONLINE

    @property
    def link_suspect(self) -> bool:
        """Hello worked, nothing since could be opened, and a request went unanswered or a frame was unreadable.

        That is how a link key the panel no longer holds looks (it encrypts the session key with
        its own and drops our frames); a slow panel looks the same once, so the client confirms.
        """
        return self._hello_accepted and not self._frames_opened and (self._unreadable or self._unanswered)

    # -- listeners -----------------------------------------------------------------------------

    def add_message_listener(self, listener: MessageListener, *, replies: bool = False) -> Callable[[], None]:
        """Call listener with every unsolicited message (broadcasts); returns an unsubscribe callable.

        With replies=True the listener sees every inbound message, replies included, in
        arrival order and before a reply completes its request: a state model applies
        replies and broadcasts in the order the panel sent them.
        """
        return (self._inbound_listeners if replies else self._message_listeners).add(listener)

    def add_connection_lost_listener(self, listener: ConnectionLostListener) -> Callable[[], None]:
        """Call listener once with the error that ended an online session; returns an unsubscribe callable."""
        return self._lost_listeners.add(listener)

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
            await async_read_greeting(reader, splitter, self._hello_timeout, self.name)
            writer.write(build_hello_request(self._identity))
            reply = await read_hello_reply(reader, splitter, self._hello_timeout, self.name)
            hello = accept_hello(reply, self._linkkey)
        except BaseException:
            self.state = SessionState.CLOSED
            await async_close(writer)
            raise
        self._cipher = SessionCipher(hello.session_key)
        self.session_id = hello.session_id
        self._hello_accepted = True
        self._writer = writer
        self._last_rx = asyncio.get_running_loop().time()
        self.state = SessionState.ONLINE
        _LOGGER.debug("%s: session %s online", self.name, self.session_id)
        # Anything the panel sent right behind the hello reply is already framed.
        self._on_data(splitter.remainder)
        self._tasks.spawn(self._read_loop(reader), "the session's reader", self.abort)
        self._tasks.spawn(self._keepalive_loop(), "the session's keepalive", self.abort)

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
        self,
        body: Mapping[str, Any],
        *,
        timeout: float | None = None,
        priority: bool = False,
        deadline: float | None = None,
    ) -> Message:
        """Send one request whose domain object(s) are body; one request is in flight at a time.

        deadline (event-loop time): if the request cannot be sent by then (earlier requests hold
        the slot), E27NotSentError is raised and it is never sent. A busy answer (11039, the panel
        did nothing) is retried a few times, never past the deadline (docs/api.md §2.6); any
        other panel error raises E27CommandError at once.
        """
        loop = asyncio.get_running_loop()
        delay = BUSY_RETRY_DELAY
        attempt = 0
        while True:
            await self._acquire(body, priority, deadline)
            try:
                self._raise_if_not_online()
                return await self._exchange(body, self._request_timeout if timeout is None else timeout)
            except E27CommandError as err:
                if (
                    err.code != ErrorCode.ZWAVE_BUSY
                    or attempt == BUSY_RETRIES
                    or (deadline is not None and loop.time() + delay >= deadline)
                ):
                    raise
            finally:
                self._slot.release()
            _LOGGER.debug("%s: panel busy; sending %s again in %g s", self.name, ".".join(self._route(body)), delay)
            await asyncio.sleep(delay)
            delay *= 2
            attempt += 1

    async def _acquire(self, body: Mapping[str, Any], priority: bool, deadline: float | None) -> None:
        """Take the request slot, or raise E27NotSentError when the deadline passes first."""
        self._raise_if_not_online()
        if deadline is None:
            await self._slot.acquire(priority=priority)
            return
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(deadline):
                await self._slot.acquire(priority=priority)
        except TimeoutError:
            pass
        else:
            if loop.time() < deadline:
                return
            self._slot.release()
        route = ".".join(self._route(body))
        raise E27NotSentError(f"the panel was busy: {route} was not sent (its deadline passed)")

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
            self._unanswered = True
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
        assert self._cipher is not None
        self._envelope_seq = self._envelope_seq + 1 if self._envelope_seq < ENVELOPE_SEQ_MAX else 1
        # Conservative in what we send: never a frame the reference deframer would lose (§4.4).
        protocol, ciphertext = seal(
            self._cipher, quirk_safe(payload), envelope_seq=self._envelope_seq, src=CLIENT_SRC, dest=CLIENT_DEST
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
                # In slices, letting the loop run between them: whatever the bytes, one read
                # never holds the event loop for long.
                for offset in range(0, len(data), FEED_SLICE):
                    if offset:
                        await asyncio.sleep(0)
                    self._on_data(data[offset : offset + FEED_SLICE])
                    if self._failure is not None:
                        return
            self._fail(E27ConnectionError("the panel closed the connection"))
        except OSError as err:
            self._fail(E27ConnectionError(f"connection lost: {err}"))

    def _on_data(self, data: bytes) -> None:
        for item in self._deframer.feed(data):
            if self._failure is not None:
                return
            if not isinstance(item, Frame):
                # The panel drops bad frames silently; we do the same and let timeouts recover.
                _LOGGER.debug("%s: dropped a bad frame: %s", self.name, item)
                continue
            try:
                # Before hello there is no key: b"" makes open_envelope refuse the frame.
                envelope = open_envelope(self._cipher or b"", item.protocol, item.data)
            except E27CryptoError as err:
                # Wrong key or corruption that the CRC missed: this session cannot go on.
                self._unreadable = True
                self._fail(E27ProtocolError(f"unreadable frame from the panel: {err}"))
                return
            self._frames_opened += 1
            try:
                message = parse_message(decode(envelope.payload))
            except E27MessageError as err:
                self._ignore_malformed(err)
                continue
            self._dispatch(message)

    def _ignore_malformed(self, err: E27MessageError) -> None:
        """Drop a message whose content breaks the protocol but keep the session (first one at WARNING).

        The frame opened with the session key, so a reconnect would only meet the same content
        again; a request it answered times out (outcome unknown) and the keepalive checks the link.
        """
        self._malformed += 1
        level = logging.WARNING if self._malformed == 1 else logging.DEBUG
        _LOGGER.log(level, "%s: ignoring a malformed message from the panel: %s", self.name, err)

    def _dispatch(self, message: Message) -> None:
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("%s: <- %s", self.name, redact(message.raw))
        self._inbound_listeners.notify(message)
        pending = self._pending
        if not message.is_broadcast and message.seq is not None:
            if pending is not None and pending[0] == message.seq and not pending[1].done():
                pending[1].set_result(message)
            else:
                _LOGGER.debug("%s: ignoring late or unsolicited reply seq %s", self.name, message.seq)
            return
        self._message_listeners.notify(message)

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

    def abort(self, error: E27Error) -> None:
        """End the session with error: pending requests fail with it, connection-lost listeners (or a WARNING) say it."""
        if self._failure is None and not (self.state is SessionState.ONLINE and self._lost_listeners):
            _LOGGER.warning("%s: closing the session: %s", self.name, error)
        self._fail(error)

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
        self._tasks.cancel()
        if was_online:
            self._lost_listeners.notify(exc)

    async def close(self) -> None:
        """Close the connection and free the panel's session slot; pending requests fail."""
        self._lost_listeners.clear()
        self._fail(E27ConnectionError("session closed"))
        await self._tasks.cancel_and_wait()
        if self._writer is not None:
            await async_close(self._writer)

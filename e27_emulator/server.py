"""The emulated E27 panel: TCP server, UDP discovery responder, link table, sessions and fault knobs."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, TracebackType
from typing import Any, Final, Literal, Self

from custom_components.elke27.e27 import const

from .api import PanelApi
from .connection import PanelConnection, Phase
from .control import FaultControls, PanelControls
from .discovery import DiscoveryResponder
from .faults import Faults
from .handler import JsonObject, PanelSession, RequestHandler, authenticate_reply, unrecognized_command
from .links import Link, new_link
from .state import PanelState

_LOGGER = logging.getLogger(__name__)

# Bound on the request records kept for tests (panel-wide and per session).
RECORD_LIMIT: Final = 10_000
# How long drop_connections waits for the dropped connections' tasks.
DROP_TIMEOUT: Final = 1.0

type DuplicateSnPolicy = Literal["refuse", "replace", "allow"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PanelConfig:
    """Identity, secrets, addresses and limits of an emulated panel. Ports 0 are ephemeral."""

    name: str = "E27 Emulator"
    mac: str = "02:00:00:e2:70:01"
    serial: str = "E27EMU000001"
    access_code: str = field(default="123456", repr=False)
    passphrase: str = field(default="emulator-passphrase", repr=False)
    host: str = "127.0.0.1"
    port: int = 0
    discovery_port: int | None = 0
    """UDP discovery port (the real panel uses 2362); None runs no responder."""
    encrypted_listen_port: int = 0
    max_links: int = 4
    max_sessions: int = 8
    duplicate_sn: DuplicateSnPolicy = "refuse"
    """A hello for an sn that already has a session: refuse it (seen on hardware, docs/protocol.md §7.4),
    replace the old session (closing its connection; a vendor document's rule) or allow both."""
    pins: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({1234: 1}), repr=False)
    """PIN -> user_id accepted by authenticate."""


class EmulatorPanel(PanelControls, FaultControls):
    """An E27 panel on loopback (or any address), for tests and the demo.

    With a `state` (PanelState) the panel answers the E27 API from it, takes PINs from its
    users (config.pins is then unused) and broadcasts its changes; without one, online requests
    other than keepalive and authenticate go to `handler`, whose default answers 11001.
    """

    def __init__(
        self,
        config: PanelConfig | None = None,
        *,
        handler: RequestHandler | None = None,
        state: PanelState | None = None,
    ) -> None:
        self.config = config or PanelConfig()
        self.state = state
        self.api = PanelApi(state, new_session_id=self._new_session_id) if state is not None else None
        self.handler: RequestHandler = handler or self.api or unrecognized_command
        self.faults = Faults()
        self.links: dict[str, Link] = {}
        self.pins: dict[int, int] = dict(self.config.pins)
        self.received: list[JsonObject] = []
        """Every decoded request (cleartext and framed), secrets intact (for tests)."""
        self.frame_errors = 0
        """Frames dropped for a framing, decryption or JSON error."""
        self.max_in_flight = 0
        """The most requests one session ever had unanswered at once (1 for a one-in-flight client)."""
        self.session_keys: list[bytes] = []
        """Every session key issued, oldest first (for tests that check logs for leaks)."""
        self._connections: list[PanelConnection] = []
        self._server: asyncio.Server | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._port = self.config.port
        self._discovery_port = self.config.discovery_port
        self._changed = asyncio.Event()
        self._accepting = False
        if state is not None:
            state.add_listener(self._state_changed)

    # Lifecycle ---------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
        if self.state is not None:
            self.state.cancel_timers()

    async def start(self) -> None:
        """Listen on TCP and answer discovery; after a stop, the same ports are reused."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        host = self.config.host
        self._accepting = True
        try:
            server = await asyncio.start_server(self._accept, host, self._port)
        except OSError:
            self._accepting = False
            raise
        self._port = server.sockets[0].getsockname()[1]
        if self._discovery_port is not None:
            try:
                transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                    lambda: DiscoveryResponder(self.config.name, self._discovery_reply),
                    local_addr=(host, self._discovery_port),
                )
            except OSError:
                self._accepting = False
                server.close()
                await server.wait_closed()
                raise
            self._udp = transport
            self._discovery_port = transport.get_extra_info("sockname")[1]
        self._server = server
        _LOGGER.info(
            "%s: listening on %s:%d, discovery on UDP %s", self.config.name, host, self._port, self._discovery_port
        )

    async def stop(self) -> None:
        """Close every connection and both servers; the link table survives."""
        self._accepting = False
        server, self._server = self._server, None
        udp, self._udp = self._udp, None
        if udp is not None:
            udp.close()
        if server is not None:
            server.close()
        connections = list(self._connections)
        for connection in connections:
            connection.close()
        current = asyncio.current_task()
        tasks = [c.task for c in connections if c.task is not None and c.task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()
            _LOGGER.info("%s: stopped", self.config.name)

    async def reboot(self, downtime: float = 0.0) -> None:
        """Stop (dropping every session), stay down for downtime seconds, start again on the same ports.

        Links survive; the panel state forgets its exit/entry delays (PanelState.reboot).
        """
        await self.stop()
        if self.state is not None:
            self.state.reboot()
        if downtime > 0:
            await asyncio.sleep(downtime)
        await self.start()

    @property
    def host(self) -> str:
        """Address the panel listens on."""
        return self.config.host

    @property
    def port(self) -> int:
        """Bound TCP port (the configured one until started)."""
        return self._port

    @property
    def discovery_port(self) -> int:
        """Bound UDP discovery port (the configured one until started; 0 if discovery is off)."""
        return self._discovery_port or 0

    # Links and sessions ------------------------------------------------------

    def add_link(self, sn: str, *, linkkey_hex: str | None = None, linkhmac_hex: str | None = None) -> Link:
        """Link sn without api_link (random keys unless given); ValueError if the table is full."""
        if sn not in self.links and len(self.links) >= self.config.max_links:
            raise ValueError(f"link table full ({self.config.max_links} links)")
        fresh = new_link()
        link = Link(linkkey_hex or fresh.linkkey_hex, linkhmac_hex or fresh.linkhmac_hex)
        self.links[sn] = link
        return link

    def revoke_link(self, sn: str) -> bool:
        """Forget sn's link: its next hello gets 11006. Open sessions stay up. False if unknown."""
        return self.links.pop(sn, None) is not None

    @property
    def sessions(self) -> list[PanelSession]:
        """Online sessions, oldest first."""
        return [c.session for c in self._connections if c.phase is Phase.ONLINE and c.session is not None]

    @property
    def session_count(self) -> int:
        """Number of online sessions."""
        return len(self.sessions)

    @property
    def connection_count(self) -> int:
        """Open TCP connections, online or not."""
        return len(self._connections)

    def find_session(self, sn: str) -> PanelSession | None:
        """The online session of client sn, if any."""
        return next((s for s in self.sessions if s.sn == sn), None)

    async def broadcast(self, body: JsonObject) -> int:
        """Send {"seq":0,"session_id":<its id>, **body} to every online session; return how many.

        A session whose client has not sent its first frame yet gets it right after that frame.
        Nothing is sent while the panel is silent (or silent after hello).
        """
        if self.faults.quiet_online:
            return 0
        return await self._push_all(lambda connection: connection.push_message(body))

    def _state_changed(self, body: JsonObject) -> None:
        """Broadcast a state change once the current handler's replies are written (acks first)."""
        self._notify()
        if self.faults.quiet_online:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._push_now(body)
            return
        loop.call_soon(self._push_now, body)

    def _push_now(self, body: JsonObject) -> None:
        for connection in list(self._connections):
            connection.push_message(body)

    async def _push_all(self, push: Callable[[PanelConnection], bool]) -> int:
        connections = [c for c in list(self._connections) if push(c)]
        for connection in connections:
            await connection.drain()
        return len(connections)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until predicate() holds; it is re-checked on every connection, session or request event."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await self._changed.wait()

    async def wait_for_sessions(self, count: int, timeout: float = 5.0) -> list[PanelSession]:
        """Wait until at least count sessions are online; return them (TimeoutError after timeout)."""
        await self.wait_until(lambda: len(self.sessions) >= count, timeout)
        return self.sessions

    async def wait_for_connections(self, count: int, timeout: float = 5.0) -> None:
        """Wait until at least count TCP connections are open."""
        await self.wait_until(lambda: self.connection_count >= count, timeout)

    async def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[JsonObject]:
        """Wait until `received` holds at least count requests; return it."""
        await self.wait_until(lambda: len(self.received) >= count, timeout)
        return self.received

    # Fault knobs -------------------------------------------------------------

    async def drop_connections(self, *, reset: bool = False) -> int:
        """Close every TCP connection now (reset: RST instead of FIN); return how many.

        The sessions are gone when this returns; it also waits (briefly) for the
        connections' tasks to finish.
        """
        connections = list(self._connections)
        for connection in connections:
            connection.close(reset=reset)
        _LOGGER.info("%s: dropped %d connection(s)", self.config.name, len(connections))
        current = asyncio.current_task()
        tasks = [c.task for c in connections if c.task is not None and c.task is not current]
        if tasks:
            await asyncio.wait(tasks, timeout=DROP_TIMEOUT)
        return len(connections)

    # Hooks for PanelConnection -----------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._accepting:
            writer.close()
            return
        connection = PanelConnection(self, reader, writer)
        connection.task = asyncio.current_task()
        self._connections.append(connection)
        _LOGGER.debug("%s: connection from %s", self.config.name, connection.peer)
        self._notify()
        await connection.run()

    def _connection_closed(self, connection: PanelConnection) -> None:
        if connection in self._connections:
            self._connections.remove(connection)
            if self.api is not None and connection.session is not None:
                self.api.forget(connection.session)
            self._notify()

    def _authenticate(self, session: PanelSession, request: JsonObject) -> JsonObject:
        """Answer root-level authenticate: from the panel state's users, else from config.pins."""
        if self.api is not None:
            return self.api.authenticate(session, request)
        return authenticate_reply(session, request, self.pins, self._new_session_id)

    def _session_online(self, connection: PanelConnection) -> None:
        if connection.session is not None:
            self.session_keys.append(connection.session.session_key)
            del self.session_keys[:-RECORD_LIMIT]
        self._notify()

    def _in_flight(self, count: int) -> None:
        self.max_in_flight = max(self.max_in_flight, count)

    def _record(self, session: PanelSession | None, request: JsonObject) -> None:
        for record in (self.received, session.received if session else None):
            if record is not None:
                record.append(request)
                if len(record) > RECORD_LIMIT:
                    del record[:-RECORD_LIMIT]
        self._notify()

    def _frame_error(self) -> None:
        self.frame_errors += 1
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _new_session_id(self) -> int:
        """A random non-zero u32 (values >= 2**31 included) not used by another session."""
        in_use = {s.session_id for s in self.sessions}
        while (session_id := secrets.randbits(32)) == 0 or session_id in in_use:
            pass
        return session_id

    def _link(self, sn: str) -> Link | None:
        """Create or replace sn's link for api_link; None if the table is full."""
        if sn not in self.links and len(self.links) >= self.config.max_links:
            return None
        link = self.links[sn] = new_link()
        return link

    def _hello_refusal(self, sn: str) -> str | None:
        """Why a hello for linked sn must be refused, or None to accept it."""
        if self.faults.refuse_hello:
            return "refuse_hello is set"
        others = [c for c in self._connections if c.phase is Phase.ONLINE and c.session and c.session.sn == sn]
        if others and self.config.duplicate_sn != "allow":
            if self.config.duplicate_sn == "refuse":
                return "this sn already has a session"
            for connection in others:
                connection.close()
        if len(self.sessions) >= self.config.max_sessions:
            return f"session limit ({self.config.max_sessions}) reached"
        return None

    def _discovery_reply(self) -> dict[str, Any] | None:
        if self.faults.silent:
            return None
        return {
            const.GREETING_KEY: "E27",
            "NAME": self.config.name,
            "MAC_ADDR": self.config.mac,
            "IPV4_ADDR": self.config.host,
            "LISTEN_PORT": self._port,
            "ENCRYPTED_LISTEN_PORT": self.config.encrypted_listen_port,
            "SERIAL": self.config.serial,
        }

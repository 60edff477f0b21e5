"""The control surface on EmulatorPanel: use cases (delegates to its PanelState and PanelApi) and fault knobs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from custom_components.elke27.e27 import const, messages

from .faults import DEFAULT_GARBAGE, Faults
from .handler import JsonObject
from .shapes import SHAPES

if TYPE_CHECKING:
    from .api import PanelApi
    from .connection import PanelConnection
    from .state import PanelState


class PanelControls:
    """open_zone(3), trip_alarm(1), set_trouble("AC Fail", True), … on the panel itself."""

    state: PanelState | None
    api: PanelApi | None

    def _state(self) -> PanelState:
        if self.state is None:
            raise RuntimeError("this emulator has no panel state; create it with EmulatorPanel(state=...)")
        return self.state

    def open_zone(self, zone_id: int) -> None:
        """Open (violate) a zone."""
        self._state().open_zone(zone_id)

    def close_zone(self, zone_id: int) -> None:
        """Close (restore) a zone."""
        self._state().close_zone(zone_id)

    def set_zone_trouble(self, zone_id: int, on: bool = True) -> None:
        """Raise or clear a zone trouble."""
        self._state().set_zone_trouble(zone_id, on)

    def set_zone_tamper(self, zone_id: int, on: bool = True) -> None:
        """Raise or clear a zone tamper."""
        self._state().set_zone_tamper(zone_id, on)

    def set_low_battery(self, zone_id: int, on: bool = True) -> None:
        """Raise or clear a wireless zone's low battery."""
        self._state().set_low_battery(zone_id, on)

    def set_trouble(self, name: str, on: bool = True, *, area_id: int | None = None) -> None:
        """Raise or clear a system trouble (or an area trouble with area_id)."""
        self._state().set_trouble(name, on, area_id=area_id)

    def trip_alarm(self, area_id: int, alarm_type: str = "BURGLARY", zone_id: int | None = None) -> None:
        """Put an area into alarm."""
        self._state().trip_alarm(area_id, alarm_type, zone_id)

    def set_temperature(self, tstat_id: int, temperature: int, *, humidity: int | None = None) -> None:
        """Set what a thermostat measures."""
        self._state().set_temperature(tstat_id, temperature, humidity=humidity)

    def change_config(self, domain: str, item_id: int, /, *, remove: bool = False, **changes: Any) -> None:
        """Add, change or remove a configured object (changes that domain's CSM)."""
        self._state().change_config(domain, item_id, remove=remove, **changes)

    def busy_reads(self, count: int) -> None:
        """Fault knob: refuse the next count status reads with 11015, as a panel still starting does."""
        self._state().options.busy_reads = max(0, count)

    def ignore_requests(self, *routes: str, ignore: bool = True) -> None:
        """Fault knob: never answer these routes ("log.get_index", …); ignore=False answers them again."""
        if self.api is None:
            raise RuntimeError("this emulator has no panel API; create it with EmulatorPanel(state=...)")
        if ignore:
            self.api.ignored.update(routes)
        else:
            self.api.ignored.difference_update(routes)


class FaultControls(ABC):
    """Fault knobs on the panel itself: silence, delays, refused hellos, garbage, corrupt or odd frames."""

    faults: Faults

    @abstractmethod
    async def _push_all(self, push: Callable[[PanelConnection], bool]) -> int:
        """Push something to every connection that takes it; return how many did."""

    def go_silent(self, silent: bool = True) -> None:
        """Stop (or resume) answering anything, discovery included; connections stay open."""
        self.faults.silent = silent

    def go_silent_after_hello(self, silent: bool = True) -> None:
        """Answer greeting and hello, then nothing on the session (or stop doing so); connections stay open."""
        self.faults.silent_after_hello = silent

    def refuse_hello(self, refuse: bool = True) -> None:
        """Answer every hello for a linked sn with a refusal lacking session_id/sk/shm."""
        self.faults.refuse_hello = refuse

    @property
    def reply_delay(self) -> float:
        """Seconds waited before each reply; a new value applies to replies already waiting (0 sends them)."""
        return self.faults.reply_delay

    @reply_delay.setter
    def reply_delay(self, seconds: float) -> None:
        self.faults.set_reply_delay(seconds)

    async def send_garbage(self, data: bytes = DEFAULT_GARBAGE) -> int:
        """Send raw bytes to every online session (after its first frame); return how many."""
        return await self._push_all(lambda connection: connection.push(lambda: data))

    async def inject(self, message: JsonObject | str | bytes) -> int:
        """Send every online session one message as a correctly encrypted frame; return how many.

        Text and bytes go out verbatim (malformed JSON, odd values, deep nesting: anything a
        hostile or broken panel might send); an object is encoded as it is, with no seq or
        session_id added. Held for a session until its client's first frame, as broadcasts are.
        """
        if isinstance(message, dict):
            payload = messages.encode(message)
        else:
            payload = message.encode() if isinstance(message, str) else message
        if len(payload) > const.MAX_PAYLOAD - 255:
            raise ValueError(f"a message of {len(payload)} bytes does not fit in a frame")
        return await self._push_all(lambda connection: connection.push_payload(payload))

    def script_hello_replies(self, *replies: JsonObject | str | bytes) -> None:
        """Answer the next hellos (one each, any client) with these cleartext replies instead of a session."""
        for reply in replies:
            if isinstance(reply, dict):
                self.faults.hello_replies.append(messages.encode(reply))
            else:
                self.faults.hello_replies.append(reply.encode() if isinstance(reply, str) else reply)

    def send_length_quirk_frames(self, on: bool = True) -> None:
        """Send (or stop sending) only frames whose LENGTH low byte equals their protocol byte (docs/protocol.md §4.4)."""
        self.faults.length_quirk = on

    async def play_shape(self, name: str) -> int:
        """Send every online session the broadcasts of one scripted shape (shapes.SHAPES), in order; return how many."""
        shape = SHAPES[name]
        sent = 0
        for message in shape.messages:
            sent = await self.inject(message)
        return sent

    async def send_corrupt_frame(self) -> int:
        """Send every online session a sealed frame with a flipped byte (the client sees a CRC error)."""
        return await self._push_all(lambda connection: connection.push_corrupt_frame())

"""The use-case control surface on EmulatorPanel: thin delegates to its PanelState and PanelApi."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import PanelApi
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

    def ignore_requests(self, *routes: str, ignore: bool = True) -> None:
        """Fault knob: never answer these routes ("log.get_index", …); ignore=False answers them again."""
        if self.api is None:
            raise RuntimeError("this emulator has no panel API; create it with EmulatorPanel(state=...)")
        if ignore:
            self.api.ignored.update(routes)
        else:
            self.api.ignored.difference_update(routes)

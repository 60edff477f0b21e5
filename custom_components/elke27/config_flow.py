"""Config flow for Elk E27: find the panel, link it once, keep only the link credentials.

The access code and passphrase live in this flow's memory for the duration of one
link attempt (the access code is offered again after a failed attempt); they are never
stored or logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.typing import DiscoveryInfoType

from . import const
from .const import (
    CONF_ACCESS_CODE,
    CONF_CLIENT,
    CONF_KEEP_AWAY,
    CONF_LINKHMAC,
    CONF_LINKKEY,
    CONF_MAC,
    CONF_PANEL,
    CONF_PASSPHRASE,
    DEFAULT_KEEP_AWAY,
    DEFAULT_PORT,
    DOMAIN,
    LOGGER,
    MANUAL_ENTRY,
)
from .discovery import follows_discovery, panel_from_discovery
from .e27 import (
    DiscoveredPanel,
    E27ConnectionError,
    E27Error,
    E27LinkError,
    E27LinkTableFullError,
    E27ProvisioningRequired,
    E27SessionRefusedError,
    LinkCredentials,
    Session,
    async_probe,
    async_provision,
)
from .entry_data import client_identity, new_client_data
from .flow_helpers import (
    async_identify,
    async_scan,
    async_wait_for_watcher,
    normalize_host,
    normalize_port,
    progress_watchers,
    secret_usable,
)
from .migration import CURRENT_MINOR_VERSION

if TYPE_CHECKING:
    from .coordinator import Elke27ConfigEntry

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off"))
LINK_SCHEMA = vol.Schema({vol.Required(CONF_ACCESS_CODE): _PASSWORD, vol.Required(CONF_PASSPHRASE): _PASSWORD})
_PORT = NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX))
# Steps by source: where the access code and passphrase are asked, where the link's progress shows.
_LINK_STEPS = {"user": ("link", "provision"), SOURCE_REAUTH: ("reauth_confirm", "reauth_provision")}


HOST_SCHEMA = vol.Schema(
    {vol.Required(CONF_HOST): TextSelector(), vol.Required(CONF_PORT, default=DEFAULT_PORT): _PORT}
)


def _address(user_input: Mapping[str, Any]) -> tuple[str, int, dict[str, str]]:
    """Host and port from the address form, with the form errors of what cannot be used (nothing is tried then)."""
    errors: dict[str, str] = {}
    host = normalize_host(user_input[CONF_HOST])
    if host is None:
        errors[CONF_HOST] = "invalid_host"
    port = normalize_port(user_input[CONF_PORT])
    if port is None:
        errors[CONF_PORT] = "invalid_port"
    return host or "", port or DEFAULT_PORT, errors


class Elke27ConfigFlow(ConfigFlow, domain=DOMAIN):
    """Link an Elk E27 panel."""

    VERSION = 1
    MINOR_VERSION = CURRENT_MINOR_VERSION

    def __init__(self) -> None:
        """Start with nothing known about the panel."""
        self._host = ""
        self._port = DEFAULT_PORT
        self._panel: DiscoveredPanel | None = None
        self._discovered: dict[str, DiscoveredPanel] = {}
        self._client: dict[str, str] = new_client_data()
        self._scan_task: asyncio.Task[list[DiscoveredPanel]] | None = None
        self._link_task: asyncio.Task[LinkCredentials] | None = None
        self._announcer: tuple[asyncio.Future[Any], asyncio.Task[None]] | None = None
        self._watched = False
        self._link_errors: dict[str, str] = {}
        self._access_code = ""
        self._credentials: LinkCredentials | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> Elke27OptionsFlow:
        """Options for an existing panel."""
        return Elke27OptionsFlow()

    @callback
    def async_remove(self) -> None:
        """The dialog was closed: stop looking and stop linking (the panel keeps no half link)."""
        for task in (self._scan_task, self._link_task):
            if task is not None:
                task.cancel()

    # -- progress ------------------------------------------------------------------------------

    def _show_progress(
        self, step_id: str, action: str, task: asyncio.Future[Any], placeholders: dict[str, str]
    ) -> ConfigFlowResult:
        """Show progress until task ends, and make sure the dialog hears that it ended."""
        if self._announcer is None or self._announcer[0] is not task:
            self._announcer = (task, self.hass.async_create_task(self._async_announce(task), "elke27 progress"))
        return self.async_show_progress(
            step_id=step_id,
            progress_action=action,
            progress_task=self._announcer[1],
            description_placeholders=placeholders,
        )

    async def _async_announce(self, task: asyncio.Future[Any]) -> None:
        watchers = progress_watchers(self.hass)
        if self._watched:  # the dialog subscribed at an earlier progress step and stays subscribed
            await asyncio.wait((task,))
        else:
            self._watched = await async_wait_for_watcher(self.hass, task, watchers)

    # -- finding the panel ---------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Look for panels on the network, showing that it is looking."""
        if self._scan_task is None:
            self._scan_task = self.hass.async_create_task(async_scan(self.hass), "elke27 discovery scan")
        if not self._scan_task.done():
            return self._show_progress("user", "discovering", self._scan_task, {})
        configured = self._async_current_ids(include_ignore=False)
        found = self._scan_task.result()
        self._discovered = {panel.mac: panel for panel in found if panel.mac not in configured}
        if self.cur_step is None:  # the scan ended before any progress was shown (no network)
            return await (self.async_step_pick() if self._discovered else self.async_step_manual())
        return self.async_show_progress_done(next_step_id="pick" if self._discovered else "manual")

    async def async_step_pick(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the panels found on the network, or manual entry."""
        if user_input is not None:
            choice = user_input.get(CONF_PANEL)
            if choice == MANUAL_ENTRY or choice not in self._discovered:
                return await self.async_step_manual()
            panel = self._discovered[choice]
            await self.async_set_unique_id(panel.mac, raise_on_progress=False)
            self._abort_if_unique_id_configured()
            self._panel, self._host, self._port = panel, panel.host, panel.port
            return await self.async_step_link()
        options = [
            SelectOptionDict(value=mac, label=f"{panel.name} ({panel.host})") for mac, panel in self._discovered.items()
        ]
        options.append(SelectOptionDict(value=MANUAL_ENTRY, label=MANUAL_ENTRY))
        selector = SelectSelector(SelectSelectorConfig(options=options, translation_key=CONF_PANEL))
        return self.async_show_form(step_id="pick", data_schema=vol.Schema({vol.Required(CONF_PANEL): selector}))

    async def async_step_manual(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the panel's address."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port, errors = _address(user_input)
            if not errors:
                panel, error = await async_identify(host, port)
                if panel is None:
                    errors["base"] = error
                else:
                    await self.async_set_unique_id(panel.mac, raise_on_progress=False)
                    self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
                    self._panel, self._host, self._port = panel, host, port
                    return await self.async_step_link()
        return self.async_show_form(
            step_id="manual",
            data_schema=self.add_suggested_values_to_schema(HOST_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_integration_discovery(self, discovery_info: DiscoveryInfoType) -> ConfigFlowResult:
        """A panel answered the background scan."""
        return await self._async_discovered(panel_from_discovery(discovery_info))

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """Something with Elk's MAC prefix (or a known panel) got an address."""
        mac = format_mac(discovery_info.macaddress)
        await self.async_set_unique_id(mac)
        self._abort_if_unique_id_configured(updates=await self._async_moved_to(discovery_info.ip, None))
        # Elk's M1 controllers share the prefix: only an E27 answers E27 discovery.
        try:
            panel = await async_probe(discovery_info.ip, const.FLOW_PROBE_TIMEOUT)
        except OSError as err:  # no UDP socket (no usable network)
            LOGGER.debug("Cannot ask %s for its identity: %s", discovery_info.ip, err)
            return self.async_abort(reason="cannot_connect")
        if panel is None or panel.mac != mac:
            return self.async_abort(reason="not_e27")
        return await self._async_discovered(panel)

    async def _async_discovered(self, panel: DiscoveredPanel) -> ConfigFlowResult:
        await self.async_set_unique_id(panel.mac)
        self._abort_if_unique_id_configured(updates=await self._async_moved_to(panel.host, panel.port))
        self._panel, self._host, self._port = panel, panel.host, panel.port
        self.context["title_placeholders"] = {"name": panel.name}
        return await self.async_step_discovery_confirm()

    async def _async_moved_to(self, host: str, port: int | None) -> dict[str, Any] | None:
        """The address updates for the configured entry of this unique id, if it should follow its panel.

        An entry with a host name the user typed keeps it; one with an IP address moves, but only
        when it has no working session and its link works at the new address: anything on the
        network can answer discovery or send DHCP with the panel's MAC, so a report alone is no proof.
        """
        assert self.unique_id is not None
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, self.unique_id)
        if entry is None or not follows_discovery(entry.data.get(CONF_HOST), host, port, entry):
            return None
        if _connected(entry):
            LOGGER.debug("%s: connected; not moving it to %s as a discovery report says", entry.title, host)
            return None
        if await _async_link_error(entry, host, port or entry.data[CONF_PORT]) is not None:
            LOGGER.debug("%s: its link does not work at %s; not moving it there", entry.title, host)
            return None
        return {CONF_HOST: host} | ({CONF_PORT: port} if port is not None else {})

    async def async_step_discovery_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask before linking a panel that was found on the network."""
        if user_input is not None:
            return await self.async_step_link()
        self._set_confirm_only()
        return self.async_show_form(step_id="discovery_confirm", description_placeholders=self._placeholders())

    # -- linking -------------------------------------------------------------------------------

    async def async_step_link(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the access code and passphrase, then link."""
        if user_input is not None:
            return await self._async_link(user_input)
        return self._link_form()

    def _link_form(self) -> ConfigFlowResult:
        """The access code and passphrase form; after a failed attempt the access code is filled in."""
        step_id, _ = self._link_steps()
        schema = self.add_suggested_values_to_schema(
            LINK_SCHEMA, {CONF_ACCESS_CODE: self._access_code} if self._access_code else None
        )
        return self.async_show_form(
            step_id=step_id, data_schema=schema, errors=self._link_errors, description_placeholders=self._placeholders()
        )

    async def _async_link(self, user_input: Mapping[str, Any]) -> ConfigFlowResult:
        """Link; the answer of a panel that replies quickly is shown at once, else a progress step."""
        for key, error in ((CONF_ACCESS_CODE, "invalid_access_code"), (CONF_PASSPHRASE, "invalid_passphrase")):
            if not secret_usable(user_input.get(key)):
                self._link_errors = {key: error}
                if key == CONF_ACCESS_CODE:
                    self._access_code = ""
                return self._link_form()
        self._access_code = user_input[CONF_ACCESS_CODE]
        self._link_task = task = self.hass.async_create_task(
            async_provision(
                self._host,
                self._port,
                user_input[CONF_ACCESS_CODE],
                user_input[CONF_PASSPHRASE],
                client_identity({CONF_CLIENT: self._client}),
                const.LINK_TIMEOUT,
            ),
            "elke27 link",
        )
        await asyncio.wait((task,), timeout=const.LINK_QUICK_WAIT)
        if not task.done():
            return self._show_linking()
        if self._link_outcome():
            return await self.async_step_finish()
        return self._link_form()

    def _show_linking(self) -> ConfigFlowResult:
        assert self._link_task is not None
        placeholders = self._placeholders() | {"seconds": f"{const.LINK_TIMEOUT:g}"}
        return self._show_progress(self._link_steps()[1], "linking", self._link_task, placeholders)

    def _link_steps(self) -> tuple[str, str]:
        return _LINK_STEPS[SOURCE_REAUTH if self.source == SOURCE_REAUTH else "user"]

    def _link_outcome(self) -> bool:
        """Consume the finished link task: True with the credentials, else False with the form's error."""
        assert self._link_task is not None
        task, self._link_task = self._link_task, None
        try:
            self._credentials = task.result()
        except E27LinkTableFullError:
            self._link_errors = {"base": "link_table_full"}
        except E27LinkError:
            self._link_errors = {"base": "no_answer"}
        except E27ConnectionError:
            self._link_errors = {"base": "cannot_connect"}
        except Exception:  # anything else: 'unknown' in the form, the trace in the log
            LOGGER.exception("Unexpected error while linking the panel at %s", self._host)
            self._link_errors = {"base": "unknown"}
        else:
            self._link_errors = {}
            return True
        return False

    async def async_step_provision(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Still linking: keep showing progress. Finished: go on, or back to the form with the reason."""
        assert self._link_task is not None
        if not self._link_task.done():  # the frontend asked for the flow while the panel is silent
            return self._show_linking()
        return self.async_show_progress_done(next_step_id="finish" if self._link_outcome() else self._link_steps()[0])

    async_step_reauth_provision = async_step_provision

    async def async_step_finish(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Store what the panel gave us (and nothing else secret)."""
        assert self._credentials is not None
        link = {CONF_LINKKEY: self._credentials.linkkey, CONF_LINKHMAC: self._credentials.linkhmac}
        if self.source == SOURCE_REAUTH:
            return self.async_update_reload_and_abort(self._get_reauth_entry(), data_updates=link)
        assert self._panel is not None
        return self.async_create_entry(
            title=self._panel.name,
            data={
                CONF_HOST: self._host,
                CONF_PORT: self._port,
                CONF_MAC: self._panel.mac,
                CONF_CLIENT: self._client,
                **link,
            },
        )

    def _placeholders(self) -> dict[str, str]:
        if self.source == SOURCE_REAUTH:
            return {"name": self._get_reauth_entry().title, "host": self._host}
        return {"name": self._panel.name if self._panel else self._host, "host": self._host}

    # -- reauth and reconfigure ----------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The panel refused our link: link the same identity again."""
        self._host, self._port = entry_data[CONF_HOST], entry_data[CONF_PORT]
        self._client = dict(entry_data[CONF_CLIENT])
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the access code and passphrase again, after checking it is the same panel."""
        if user_input is not None:
            panel, error = await async_identify(self._host, self._port)
            if panel is None:
                self._link_errors = {"base": error}
                self._access_code = user_input[CONF_ACCESS_CODE]
            else:
                await self.async_set_unique_id(panel.mac)
                self._abort_if_unique_id_mismatch(reason="wrong_panel")
                self._panel = panel
                return await self._async_link(user_input)
        return self._link_form()

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Move the panel to a new address, after checking it is the same panel with a working link."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port, errors = _address(user_input)
            if not errors:
                panel, error = await async_identify(host, port)
                if panel is not None:
                    await self.async_set_unique_id(panel.mac)
                    self._abort_if_unique_id_mismatch(reason="wrong_panel")
                    error = await self._async_verify_link(entry, host, port)
                if not error:
                    return self.async_update_reload_and_abort(entry, data_updates={CONF_HOST: host, CONF_PORT: port})
                errors["base"] = error
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                HOST_SCHEMA, user_input or {CONF_HOST: entry.data[CONF_HOST], CONF_PORT: entry.data[CONF_PORT]}
            ),
            errors=errors,
        )

    async def _async_verify_link(self, entry: Elke27ConfigEntry, host: str, port: int) -> str:
        """An error key, or "" when the stored link works with the panel at host:port."""
        if _connected(entry):
            # The running session proves the link, and the panel answered with the entry's MAC.
            # A second session for the same identity would be refused while this one is online.
            return ""
        error = await _async_link_error(entry, host, port)
        if error is None or isinstance(error, E27ProvisioningRequired):
            return ""  # the link works; or the right panel wants a new link: reauth will follow the reload
        if isinstance(error, E27SessionRefusedError):
            return "session_refused"
        return "cannot_connect"


def _connected(entry: Elke27ConfigEntry) -> bool:
    """Whether the entry's client has a working session now."""
    client = entry.runtime_data.client if entry.state is ConfigEntryState.LOADED else None
    return client is not None and client.connected


async def _async_link_error(entry: Elke27ConfigEntry, host: str, port: int) -> E27Error | None:
    """None when a session with the entry's stored link opens at host:port, else why it did not."""
    session = Session(host, port, client_identity(entry.data), entry.data.get(CONF_LINKKEY), name=entry.title)
    try:
        await session.connect()
    except E27Error as err:
        return err
    finally:
        await session.close()
    return None


class Elke27OptionsFlow(OptionsFlow):
    """How the integration behaves in Home Assistant (read when used: no reload needed)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Whether Away stays Away when nobody leaves during the exit delay."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        current = self.config_entry.options.get(CONF_KEEP_AWAY, DEFAULT_KEEP_AWAY)
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema({vol.Required(CONF_KEEP_AWAY, default=current): bool}),
        )

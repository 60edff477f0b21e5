"""Config flow for Elk E27: find the panel, link it once, keep only the link credentials.

The access code and passphrase live in this flow's memory for the duration of one
link attempt; they are never stored, logged or shown again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.components.network import async_get_ipv4_broadcast_addresses
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
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

from . import const
from .const import (
    CONF_ACCESS_CODE,
    CONF_CLIENT,
    CONF_KEEP_AWAY,
    CONF_LINKHMAC,
    CONF_LINKKEY,
    CONF_MAC,
    CONF_PANEL,
    CONF_PANEL_NAME,
    CONF_PASSPHRASE,
    DEFAULT_KEEP_AWAY,
    DEFAULT_PORT,
    DOMAIN,
    LOGGER,
    MANUAL_ENTRY,
)
from .e27 import (
    DiscoveredPanel,
    E27ConnectionError,
    E27Error,
    E27LinkError,
    E27LinkTableFullError,
    E27ProvisioningRequired,
    LinkCredentials,
    Session,
    async_discover,
    async_probe,
    async_provision,
)
from .e27.connection import async_close, async_open, async_read_greeting
from .e27.messages import JsonStreamSplitter
from .entry_data import client_identity, new_client_data

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off"))
LINK_SCHEMA = vol.Schema({vol.Required(CONF_ACCESS_CODE): _PASSWORD, vol.Required(CONF_PASSPHRASE): _PASSWORD})
_PORT = NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX))


def _host_schema(host: str = "", port: int = DEFAULT_PORT) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=host): TextSelector(),
            vol.Required(CONF_PORT, default=port): _PORT,
        }
    )


async def _async_tcp_reachable(host: str, port: int) -> bool:
    """True if something at host:port greets like an E27 panel."""
    try:
        reader, writer = await async_open(host, port, const.FLOW_PROBE_TIMEOUT)
    except E27ConnectionError:
        return False
    try:
        await async_read_greeting(reader, JsonStreamSplitter(), const.FLOW_PROBE_TIMEOUT)
    except E27Error:
        return False
    finally:
        await async_close(writer)
    return True


class Elke27ConfigFlow(ConfigFlow, domain=DOMAIN):
    """Link an Elk E27 panel."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with nothing known about the panel."""
        self._host = ""
        self._port = DEFAULT_PORT
        self._panel: DiscoveredPanel | None = None
        self._discovered: dict[str, DiscoveredPanel] = {}
        self._client: dict[str, str] = new_client_data()
        self._link_task: asyncio.Task[LinkCredentials] | None = None
        self._link_errors: dict[str, str] = {}
        self._credentials: LinkCredentials | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> Elke27OptionsFlow:
        """Options for an existing panel."""
        return Elke27OptionsFlow()

    # -- finding the panel ---------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the panels found on the network, or go to manual entry."""
        if user_input is not None:
            choice = user_input[CONF_PANEL]
            if choice == MANUAL_ENTRY:
                return await self.async_step_manual()
            panel = self._discovered[choice]
            await self.async_set_unique_id(panel.mac)
            self._abort_if_unique_id_configured()
            self._panel, self._host, self._port = panel, panel.host, panel.port
            return await self.async_step_link()
        targets = [str(address) for address in await async_get_ipv4_broadcast_addresses(self.hass)]
        found = await async_discover(const.FLOW_DISCOVERY_TIMEOUT, targets=targets, port=const.DISCOVERY_PORT)
        configured = self._async_current_ids(include_ignore=False)
        self._discovered = {panel.mac: panel for panel in found if panel.mac not in configured}
        if not self._discovered:
            return await self.async_step_manual()
        options = [
            SelectOptionDict(value=mac, label=f"{panel.name} ({panel.host})") for mac, panel in self._discovered.items()
        ]
        options.append(SelectOptionDict(value=MANUAL_ENTRY, label=MANUAL_ENTRY))
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_PANEL): SelectSelector(
                        SelectSelectorConfig(options=options, translation_key=CONF_PANEL)
                    )
                }
            ),
        )

    async def async_step_manual(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the panel's address."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), int(user_input[CONF_PORT])
            panel, error = await self._async_identify(host, port)
            if panel is None:
                errors["base"] = error
            else:
                await self.async_set_unique_id(panel.mac)
                self._abort_if_unique_id_configured(updates={CONF_HOST: host, CONF_PORT: port})
                self._panel, self._host, self._port = panel, host, port
                return await self.async_step_link()
        return self.async_show_form(
            step_id="manual",
            data_schema=self.add_suggested_values_to_schema(_host_schema(), user_input),
            errors=errors,
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A known panel showed up at a new address: follow it."""
        await self.async_set_unique_id(format_mac(discovery_info.macaddress))
        self._abort_if_unique_id_configured(updates={CONF_HOST: discovery_info.ip})
        return self.async_abort(reason="not_supported")

    async def _async_identify(self, host: str, port: int) -> tuple[DiscoveredPanel | None, str]:
        """The panel at host:port (its MAC comes only from UDP discovery), or an error key."""
        if not await _async_tcp_reachable(host, port):
            return None, "cannot_connect"
        panel = await async_probe(host, const.FLOW_PROBE_TIMEOUT, port=const.DISCOVERY_PORT)
        if panel is None:
            return None, "no_discovery_reply"
        return panel, ""

    # -- linking -------------------------------------------------------------------------------

    async def async_step_link(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the access code and passphrase, then link."""
        if user_input is not None:
            return self._start_link(user_input)
        return self.async_show_form(
            step_id="link",
            data_schema=LINK_SCHEMA,
            errors=self._link_errors,
            description_placeholders=self._placeholders(),
        )

    def _start_link(self, user_input: Mapping[str, Any]) -> ConfigFlowResult:
        identity = client_identity({CONF_CLIENT: self._client})
        self._link_task = self.hass.async_create_task(
            async_provision(
                self._host,
                self._port,
                user_input[CONF_ACCESS_CODE],
                user_input[CONF_PASSPHRASE],
                identity,
                const.LINK_TIMEOUT,
            ),
            "elke27 link",
        )
        return self._show_linking()

    def _show_linking(self) -> ConfigFlowResult:
        assert self._link_task is not None
        return self.async_show_progress(
            step_id="provision",
            progress_action="linking",
            progress_task=self._link_task,
            description_placeholders=self._placeholders(),
        )

    async def async_step_provision(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Still linking: keep showing progress. Finished: go on, or back to the form with the reason."""
        assert self._link_task is not None
        if not self._link_task.done():  # the frontend asked for the flow while the panel is silent
            return self._show_linking()
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
            return self.async_show_progress_done(next_step_id="finish")
        next_step = "reauth_confirm" if self.source == SOURCE_REAUTH else "link"
        return self.async_show_progress_done(next_step_id=next_step)

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
                CONF_PANEL_NAME: self._panel.name,
                CONF_CLIENT: self._client,
                **link,
            },
        )

    def _placeholders(self) -> dict[str, str]:
        name = self._panel.name if self._panel else self._host
        return {"name": name, "host": self._host}

    # -- reauth and reconfigure ----------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The panel refused our link: link the same identity again."""
        self._host, self._port = entry_data[CONF_HOST], entry_data[CONF_PORT]
        self._client = dict(entry_data[CONF_CLIENT])
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the access code and passphrase again, after checking it is the same panel."""
        if user_input is not None:
            panel, error = await self._async_identify(self._host, self._port)
            if panel is None:
                self._link_errors = {"base": error}
            else:
                await self.async_set_unique_id(panel.mac)
                self._abort_if_unique_id_mismatch(reason="wrong_panel")
                self._panel = panel
                return self._start_link(user_input)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=LINK_SCHEMA,
            errors=self._link_errors,
            description_placeholders={"name": self._get_reauth_entry().title, "host": self._host},
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Move the panel to a new address, verified by connecting with the stored link."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), int(user_input[CONF_PORT])
            panel, error = await self._async_identify(host, port)
            if panel is None:
                errors["base"] = error
            else:
                await self.async_set_unique_id(panel.mac)
                self._abort_if_unique_id_mismatch(reason="wrong_panel")
                error = await self._async_verify_link(entry, host, port)
                if error:
                    errors["base"] = error
                else:
                    return self.async_update_reload_and_abort(entry, data_updates={CONF_HOST: host, CONF_PORT: port})
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _host_schema(), user_input or {CONF_HOST: entry.data[CONF_HOST], CONF_PORT: entry.data[CONF_PORT]}
            ),
            errors=errors,
        )

    async def _async_verify_link(self, entry: ConfigEntry, host: str, port: int) -> str:
        """Connect with the stored credentials; an error key, or "" when the session came up."""
        session = Session(host, port, client_identity(entry.data), entry.data.get(CONF_LINKKEY), name=entry.title)
        try:
            await session.connect()
        except E27ProvisioningRequired:
            return ""  # the right panel, but it wants a new link: reauth will follow the reload
        except E27Error:
            return "cannot_connect"
        finally:
            await session.close()
        return ""


class Elke27OptionsFlow(OptionsFlow):
    """How the integration behaves in Home Assistant."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Whether Away stays Away when nobody leaves during the exit delay."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        current = self.config_entry.options.get(CONF_KEEP_AWAY, DEFAULT_KEEP_AWAY)
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema({vol.Required(CONF_KEEP_AWAY, default=current): bool}),
        )

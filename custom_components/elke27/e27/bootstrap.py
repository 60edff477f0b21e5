"""Bootstrap to ready: configuration (with a CSM-checked cache) and runtime state (docs/api.md §7).

Requests go out strictly one at a time through the session. Status replies are not
applied here: the client feeds every inbound message to the LiveModel in arrival
order, so a reply can never overwrite a newer broadcast. This module only decides
what to ask and records configuration.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .const import ErrorCode
from .errors import E27CommandError, E27ConnectionError, E27ProtocolError
from .live import BY_DOMAIN, DOMAINS, LiveModel
from .messages import Message
from .session import Session
from .values import U32_MAX, as_int

_LOGGER = logging.getLogger(__package__)

CACHE_FORMAT: Final = 1
MAX_BLOCKS: Final = 256
# The most elements a domain's table may have. A table_elements the panel reports that is
# not a number in 1…this (0, negative, text) is not trusted: this limit applies instead, so
# a bad value neither lifts the id limit nor makes the bootstrap ask for thousands of ids.
MAX_TABLE_ELEMENTS: Final = 512
# An unpaged bitmask of configured ids longer than this many hex digits is not one.
_MAX_MASK_DIGITS: Final = MAX_TABLE_ELEMENTS // 4
# A read the panel refuses as busy (11015 while it starts, docs/api.md §2.4) is asked again after
# these pauses, the last one repeating, until it answers or BUSY_GIVE_UP seconds have passed.
BUSY_RETRY_DELAYS: Final = (0.25, 0.5, 1.0, 2.0)
BUSY_GIVE_UP: Final = 60.0
# Errors that mean "this table or object does not exist here" rather than a failure.
_ABSENT: Final = frozenset({ErrorCode.INVALID_TABLE, ErrorCode.INVALID_ID, ErrorCode.UNRECOGNIZED_CMD})


@dataclass(slots=True)
class DomainConfig:
    """One domain's downloaded configuration and the checksum it was downloaded under."""

    csm: int | None
    elements: int
    attribs: dict[int, dict[str, Any]]
    definitions: list[str] = field(default_factory=list)
    wireless: list[int] | None = None
    """Zones only: the zones that report radio fields, once every zone's status has been read."""

    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable form (object ids become string keys)."""
        data: dict[str, Any] = {
            "csm": self.csm,
            "elements": self.elements,
            "attribs": {str(key): value for key, value in self.attribs.items()},
        }
        if self.definitions:
            data["definitions"] = list(self.definitions)
        if self.wireless is not None:
            data["wireless"] = list(self.wireless)
        return data

    @classmethod
    def from_json(cls, data: Any) -> DomainConfig | None:
        """Read one cached domain; None if anything about it is malformed."""
        if not isinstance(data, Mapping):
            return None
        csm, elements, attribs = as_int(data.get("csm")), as_int(data.get("elements")), data.get("attribs")
        definitions, wireless = data.get("definitions", []), data.get("wireless")
        if csm is None or elements is None or not isinstance(attribs, Mapping) or not isinstance(definitions, list):
            return None
        zones: list[int] | None = None
        if wireless is not None:
            if not isinstance(wireless, list):
                return None
            zones = [zone_id for zone in wireless if (zone_id := as_int(zone, 1, U32_MAX)) is not None]
            if len(zones) != len(wireless):
                return None
        parsed: dict[int, dict[str, Any]] = {}
        for key, value in attribs.items():
            item_id = as_int(key)
            if item_id is None or not 1 <= item_id <= max(elements, 1) or not isinstance(value, Mapping):
                return None
            parsed[item_id] = dict(value)
        if not all(isinstance(item, str) for item in definitions):
            return None
        return cls(csm, elements, parsed, list(definitions), zones)


@dataclass(frozen=True, slots=True)
class BootstrapStats:
    """How the last bootstrap went: requests sent, seconds to ready, domains served from the cache."""

    requests: int
    seconds: float
    cached_domains: tuple[str, ...]


def load_cache(cache: Mapping[str, Any] | None) -> dict[str, DomainConfig]:
    """The usable domains of an exported cache; a stale format or malformed entry is dropped, never trusted."""
    if not isinstance(cache, Mapping) or cache.get("format") != CACHE_FORMAT:
        return {}
    domains = cache.get("domains")
    if not isinstance(domains, Mapping):
        return {}
    loaded = {name: DomainConfig.from_json(domains.get(name)) for name in BY_DOMAIN}
    return {name: config for name, config in loaded.items() if config is not None}


def dump_cache(configs: Mapping[str, DomainConfig]) -> dict[str, Any]:
    """The cache to hand back at the next connect."""
    return {"format": CACHE_FORMAT, "domains": {name: config.to_json() for name, config in configs.items()}}


def _ids(value: list[Any] | Mapping[Any, Any]) -> list[int]:
    """Configured ids from a list of ints/numeric strings or a {"3": true} map (docs/api.md §2.5)."""
    items = [key for key, flag in value.items() if flag] if isinstance(value, Mapping) else value
    return [item_id for item in items if (item_id := as_int(item, 1, U32_MAX)) is not None]


class Bootstrap:
    """Downloads configuration and runtime state over one session."""

    def __init__(self, session: Session, live: LiveModel, name: str) -> None:
        self._session = session
        self._live = live
        self._name = name
        self.requests = 0

    async def _ask(self, domain: str, command: str, payload: Mapping[str, Any] | None = None) -> Message:
        self.requests += 1
        return await self._session.request(domain, command, payload)

    async def _ask_or_none(self, domain: str, command: str, payload: Mapping[str, Any] | None = None) -> Message | None:
        """A read whose refusal is not fatal: the panel's error is logged and None returned.

        A read refused as busy (11015: the panel is still starting) is asked again, paced by
        BUSY_RETRY_DELAYS, until the panel answers it (for at most BUSY_GIVE_UP seconds).
        """
        loop = asyncio.get_running_loop()
        give_up = loop.time() + BUSY_GIVE_UP
        attempt = 0
        while True:
            try:
                return await self._ask(domain, command, payload)
            except E27CommandError as err:
                if err.code == ErrorCode.NOT_READY and loop.time() < give_up:
                    delay = BUSY_RETRY_DELAYS[min(attempt, len(BUSY_RETRY_DELAYS) - 1)]
                    attempt += 1
                    _LOGGER.debug("%s: %s.%s busy; asking again in %.2f s", self._name, domain, command, delay)
                    await asyncio.sleep(delay)
                    continue
                _LOGGER.debug("%s: %s.%s %s refused: %s", self._name, domain, command, payload or "", err)
                return None

    async def paged(self, domain: str, command: str, list_key: str, *, first: int = 1, mask: bool = False) -> list[Any]:
        """Drive a paged read block by block and concatenate its lists (docs/api.md §2.5).

        mask: the list is of configured ids, which a reply that is not paged may give as a
        bitmask (an integer or a hex string, bit 0 = id 1); paged replies never do.
        """
        items: list[Any] = []
        block, count = first, None
        while count is None or block <= count:
            body = (await self._ask(domain, command, {"block_id": block})).body
            reported = as_int(body.get("block_count"))
            if reported is None:  # not paged after all
                value = body.get(list_key)
                if mask and (bits := _bitmask(value)) is not None:
                    return items + bits
                return items + _ids_or_list(value)
            if not 0 <= reported <= MAX_BLOCKS or (count is not None and reported != count):
                raise E27ProtocolError(f"{domain}.{command} reported block_count {body.get('block_count')!r}")
            count = reported
            items += _ids_or_list(body.get(list_key))
            block += 1
        return items

    # -- configuration -------------------------------------------------------------------------

    async def config(self, cached: Mapping[str, DomainConfig], *, read_name: bool = True) -> dict[str, DomainConfig]:
        """Table info for every domain; re-download the domains whose CSM differs from the cache.

        read_name: also read the panel's display name (at connect; the periodic check reads only the CSMs).
        """
        configs: dict[str, DomainConfig] = {}
        for info in DOMAINS:
            try:
                table = await self._ask(info.domain, "get_table_info")
            except E27CommandError as err:
                if err.code not in _ABSENT:
                    raise  # a busy panel is not an empty table: fail and retry later
                configs[info.domain] = DomainConfig(None, 0, {})
                continue
            csm = as_int(table.body.get("table_csm"))
            elements = table_elements(table.body.get("table_elements"), self._name, info.domain)
            previous = cached.get(info.domain)
            if previous is not None and csm is not None and previous.csm == csm and previous.elements == elements:
                configs[info.domain] = previous
            else:
                _LOGGER.debug("%s: downloading %s configuration (csm %s)", self._name, info.domain, csm)
                configs[info.domain] = await self._download(info.domain, csm, elements)
        zone = configs["zone"]
        self._live.set_definitions(zone.definitions)
        for domain, config in configs.items():
            self._live.set_config(domain, config.attribs)
        if read_name and (reply := await self._ask_or_none("system", "get_attribs")) is not None:
            # The key for the display name is [UNK] (docs/api.md §4.2): panel_name or name.
            name = reply.body.get("panel_name", reply.body.get("name"))
            if isinstance(name, str) and name.strip():
                self._live.set_name(name.strip())
        return configs

    async def _download(self, domain: str, csm: int | None, elements: int) -> DomainConfig:
        info = BY_DOMAIN[domain]
        try:
            listed = await self.paged(domain, "get_configured", info.plural, mask=True)
        except E27CommandError as err:
            if err.code not in _ABSENT:
                raise
            listed = []
        # Ids outside 1…table_elements are discarded, as the library does (docs/api.md §2.5).
        ids = sorted({item for item in _ids(listed) if 1 <= item <= elements})
        definitions: list[str] = []
        if domain == "zone" and ids:
            try:
                raw = await self.paged("zone", "get_defs", "definitions")
            except E27CommandError as err:
                _LOGGER.debug("%s: zone.get_defs refused: %s", self._name, err)
                raw = []
            # Positions matter (a definition number indexes this list), so odd items become "".
            definitions = [item if isinstance(item, str) else _text(item) for item in raw]
        attribs: dict[int, dict[str, Any]] = {}
        for item_id in ids:
            try:
                reply = await self._ask(domain, "get_attribs", {info.id_key: item_id})
            except E27CommandError as err:
                if err.code != ErrorCode.INVALID_ID:
                    raise
                continue
            attribs[item_id] = {key: value for key, value in reply.body.items() if key != "error_code"}
        return DomainConfig(csm, elements, attribs, definitions)

    # -- runtime state ---------------------------------------------------------------------------

    async def state(self, wireless: list[int] | None = None) -> None:
        """Read every runtime status: areas, zones (bulk), outputs (bulk), devices, troubles.

        wireless: the zones known (from the cache) to report radio fields, or None when
        unknown. Lights, locks, barriers and thermostats have no bulk read (docs/api.md §4.6–4.9),
        so each is read with its own get_status. Radio details of healthy wireless zones
        (rssi, a cleared low battery) are not needed for ready; the client sweeps them
        right after (see `zone_details`).
        """
        await self._ask_or_none("control", "get_version_info")
        for area_id in self._live.configured("area"):
            await self._ask_or_none("area", "get_status", {"area_id": area_id})
        await self.zones(troubled_areas=True, wireless=wireless)
        await self._outputs()
        for domain in ("light", "lock", "barrier", "tstat"):
            for item_id in self._live.configured(domain):
                await self._ask_or_none(domain, "get_status", {BY_DOMAIN[domain].id_key: item_id})
        await self._ask_or_none("system", "get_trouble")
        await self._ask_or_none("control", "get_trouble")

    async def zones(self, *, troubled_areas: bool = False, wireless: list[int] | None = None) -> None:
        """Bulk zone status, then get_status where the bulk digit cannot tell the whole truth.

        That is: zones whose digit is not plain normal (which flag?) and, with troubled_areas,
        the zones of an area reporting troubles: a low battery shows only there until the zone
        is read. Only zones with radio fields report a battery (docs/api.md §5.2), so when the
        wireless zones are known (wireless) only those of a troubled area are read; otherwise
        all of its zones are.
        """
        zones = self._live.configured("zone")
        if not zones:
            return
        reply = await self._ask_or_none("zone", "get_all_zones_status")
        status = reply.body.get("status") if reply is not None else None
        detail = set(self._live.zones_needing_detail(status) if isinstance(status, str) else zones)
        if troubled_areas:
            troubled = set(self._live.zones_of_troubled_areas())
            detail.update(troubled if wireless is None else troubled & set(wireless))
        for zone_id in sorted(detail & set(zones)):
            await self._ask_or_none("zone", "get_status", {"zone_id": zone_id})

    async def zone_details(self, zones: list[int] | None, pace: float = 0.0) -> list[int]:
        """The radio sweep: get_status for the given zones (None: every zone) not read in full since the bootstrap.

        Each read waits pace seconds first, and takes the session's single request slot
        like any other request, so a command issued meanwhile goes out before the next
        read of the sweep: at most the one read in flight is ahead of it. Returns the zones
        that report radio fields, which the cache keeps so that later connections need to
        read only those.
        """
        for zone_id in self._live.configured("zone") if zones is None else zones:
            if zone_id not in self._live.detailed:
                if pace > 0:
                    await asyncio.sleep(pace)
                if zone_id not in self._live.detailed:  # a broadcast may have told all meanwhile
                    await self._ask_or_none("zone", "get_status", {"zone_id": zone_id})
        return self._live.wireless_zones()

    async def _outputs(self) -> None:
        outputs = self._live.configured("output")
        if not outputs:
            return
        try:
            text = "".join(str(part) for part in await self.paged("output", "get_all_outputs_status", "status"))
        except (E27CommandError, E27ProtocolError) as err:
            _LOGGER.debug("%s: bulk output status unavailable (%s); reading one by one", self._name, err)
            text = ""
        if len(text) < max(outputs):
            for output_id in outputs:
                await self._ask_or_none("output", "get_status", {"output_id": output_id})


def table_elements(value: Any, name: str = "", domain: str = "") -> int:
    """get_table_info's table_elements, trusted only as a number in 1…MAX_TABLE_ELEMENTS.

    0, a negative number or text would lift the id limit or, taken as is, let the panel make
    us ask for thousands of ids: such a value gives MAX_TABLE_ELEMENTS (and a larger one is
    capped there). A domain the panel has no table for is answered with an error, not 0.
    """
    elements = as_int(value)
    if elements is None or elements < 1:
        _LOGGER.debug(
            "%s: %s table_elements unusable (a JSON %s); limit %d",
            name,
            domain,
            type(value).__name__,
            MAX_TABLE_ELEMENTS,
        )
        return MAX_TABLE_ELEMENTS
    return min(elements, MAX_TABLE_ELEMENTS)


def _bitmask(value: Any) -> list[Any] | None:
    """The ids of an unpaged bitmask (an integer, or a string of hex digits; bit 0 = id 1), or None."""
    if isinstance(value, str):
        text = value.strip().lower().removeprefix("0x")
        if not text or len(text) > _MAX_MASK_DIGITS or any(char not in "0123456789abcdef" for char in text):
            return None
        number = int(text, 16)
    else:
        number_or_none = as_int(value, 0, (1 << MAX_TABLE_ELEMENTS) - 1) if isinstance(value, int) else None
        if number_or_none is None:
            return None
        number = number_or_none
    return [bit + 1 for bit in range(number.bit_length()) if number >> bit & 1]


def _text(item: Any) -> str:
    number = as_int(item)
    return "" if number is None else str(number)


def _ids_or_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return list(_ids(value))
    return list(value) if isinstance(value, list) else []


async def bootstrap(
    session: Session, live: LiveModel, cached: Mapping[str, DomainConfig], name: str
) -> tuple[dict[str, DomainConfig], int]:
    """Configuration then state; returns the configuration to cache and the number of requests sent.

    A refusal or malformed reply on an essential read becomes E27ConnectionError
    (retry later); E27ProvisioningRequired and connection errors pass through.
    """
    run = Bootstrap(session, live, name)
    live.detailed.clear()
    try:
        configs = await run.config(cached)
        await run.state(configs["zone"].wireless)
    except (E27CommandError, E27ProtocolError) as err:
        raise E27ConnectionError(f"bootstrap failed: {err}") from err
    return configs, run.requests

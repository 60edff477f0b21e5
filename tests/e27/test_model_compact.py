"""The compact live model: what it keeps of the wire dicts, and how, never changes the model."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.elke27.e27 import live as live_module
from custom_components.elke27.e27.errors import E27Error
from custom_components.elke27.e27.live import DOMAINS, LiveModel, diff
from custom_components.elke27.e27.messages import Message, parse_message
from custom_components.elke27.e27.wire import (
    CONFIG_KEYS,
    NAME_KEYS,
    area_from_wire,
    barrier_from_wire,
    light_from_wire,
    lock_from_wire,
    output_from_wire,
    thermostat_from_wire,
    zone_from_wire,
)

from .contract import ATTRIB_KEYS, envelopes, fields_of

BUDGET = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
DEFINITIONS = ("UNDEFINED", "BURG EE DELAY", "BURG PERIM INST")
BUILDERS = {
    "area": area_from_wire,
    "zone": lambda item_id, attribs, status: zone_from_wire(item_id, attribs, status, DEFINITIONS),
    "output": output_from_wire,
    "light": light_from_wire,
    "lock": lock_from_wire,
    "barrier": barrier_from_wire,
    "tstat": thermostat_from_wire,
}
FULL_ATTRIBS: dict[str, Any] = {
    "zone_id": 1,
    "area_id": 2,
    "name": "Front Door",
    "definition": 2,
    "zone_type": "DOOR",
    "flags": ["x"],
    "source_id": 0,
    "device_id": "",
    "hide": False,
    "sounder": 1,
}


class RecordingWire(Mapping[str, Any]):
    """A wire dict that notes every key looked up."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return self._data[key]

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.read.add(key)
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("a builder iterated over the attributes")

    def __len__(self) -> int:
        return len(self._data)


def _uncompacted(
    fields: Mapping[str, Any], keys: Iterable[str] | None = None, drop: Iterable[str] = ()
) -> dict[str, Any]:
    """What the live model kept before it was compacted: every key but error_code, nothing interned."""
    return {key: value for key, value in fields.items() if key != "error_code"}


def _model(attribs: dict[str, Any], messages: list[Message]) -> tuple[LiveModel, list[set[Any]]]:
    live = LiveModel("E27")
    live.set_definitions(DEFINITIONS)
    for info in DOMAINS:
        live.set_config(info.domain, {1: attribs, 2: {}, 3: FULL_ATTRIBS})
    return live, [live.apply(message) for message in messages]


def test_builders_read_only_the_configuration_keys_the_model_keeps() -> None:
    for domain, build in BUILDERS.items():
        attribs = RecordingWire(FULL_ATTRIBS)
        build(1, attribs, {})
        assert attribs.read, domain
        assert attribs.read <= CONFIG_KEYS.get(domain, NAME_KEYS), domain


@BUDGET
@given(st.tuples(fields_of(ATTRIB_KEYS), st.lists(envelopes, max_size=6)))
def test_compacting_changes_neither_snapshots_nor_reported_changes(args: tuple[dict[str, Any], list[Any]]) -> None:
    attribs, objs = args
    messages = []
    for obj in objs:
        try:
            messages.append(parse_message(obj))
        except E27Error:
            continue
    compact, compact_changes = _model(attribs, messages)
    with mock.patch.object(live_module, "compact", _uncompacted):
        plain, plain_changes = _model(attribs, messages)
    assert compact_changes == plain_changes
    assert compact.snapshot() == plain.snapshot()
    assert not diff(plain.snapshot(), compact.snapshot())


def test_repeated_tokens_are_stored_once() -> None:
    live = LiveModel("E27")
    # Distinct string objects, as two separately decoded messages bring them.
    first, second = "".join(["BURG ", "EE DELAY"]), "".join(["BURG EE ", "DELAY"])
    assert first is not second
    live.set_config("zone", {1: {"name": "A", "definition": first}, 2: {"name": "B", "definition": second}})
    zones = live.snapshot().zones
    assert zones[1].definition is zones[2].definition
    live.patch("zone", 1, {"secure_state": "".join(["VIOL", "ATED"])})
    live.patch("zone", 2, {"secure_state": "".join(["VIO", "LATED"])})
    assert live.status["zone"][1]["secure_state"] is live.status["zone"][2]["secure_state"]
    assert live.snapshot().zones[1].violated
    assert live.snapshot().zones[2].violated


def test_the_model_keeps_only_what_it_builds_from() -> None:
    live = LiveModel("E27")
    live.set_config("zone", {1: FULL_ATTRIBS})
    live.set_config("output", {1: FULL_ATTRIBS})
    live.patch("zone", 1, {"zone_id": 1, "secure_state": "NORMAL", "error_code": 0})
    assert set(live.attribs["zone"][1]) == {"name", "area_id", "definition", "zone_type"}
    assert set(live.attribs["output"][1]) == {"name"}
    assert live.status["zone"][1] == {"secure_state": "NORMAL"}


def test_a_snapshot_never_changes_after_it_is_handed_out() -> None:
    live = LiveModel("E27")
    live.set_config("zone", {1: {"name": "A"}, 2: {"name": "B"}})
    live.set_config("light", {1: {"name": "Lamp"}})
    first = live.snapshot()
    zones, lights = dict(first.zones), dict(first.lights)
    live.patch("zone", 1, {"secure_state": "VIOLATED"})
    second = live.snapshot()
    live.patch("zone", 2, {"secure_state": "VIOLATED"})
    live.set_config("light", {})
    assert dict(first.zones) == zones
    assert dict(first.lights) == lights
    assert second.zones[1].violated
    assert not second.zones[2].violated
    assert second.lights is not live.snapshot().lights
    assert live.snapshot().zones[2].violated
    assert not live.snapshot().lights

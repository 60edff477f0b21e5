"""The decoding contract as hypothesis targets, shared by the test suite and benchmarks/fuzz_decoders.py.

Each target feeds one generated input to one decoder of the backend. The contract: whatever
the input (arbitrary JSON values in every field, unicode digits, huge and non-finite numbers,
deep nesting), the decoder returns or raises an E27Error subclass; nothing else escapes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from hypothesis import strategies as st

from custom_components.elke27.e27 import ClientIdentity, E27Error, E27TimeoutError
from custom_components.elke27.e27.bootstrap import bootstrap, load_cache
from custom_components.elke27.e27.crypto import SessionCipher, derive_link_secrets, hex_key_to_aes, seal
from custom_components.elke27.e27.discovery import parse_discovery_reply
from custom_components.elke27.e27.framing import Frame, build_frame
from custom_components.elke27.e27.hello import accept_hello
from custom_components.elke27.e27.linking import parse_link_reply
from custom_components.elke27.e27.live import DOMAINS, LiveModel, merge_area_status
from custom_components.elke27.e27.messages import JsonStreamSplitter, Message, decode, encode, parse_message
from custom_components.elke27.e27.session import Session
from custom_components.elke27.e27.wire import (
    area_from_wire,
    barrier_from_wire,
    dotted_version,
    light_from_wire,
    lock_from_wire,
    output_from_wire,
    thermostat_from_wire,
    version_from_wire,
    zone_definition,
    zone_from_wire,
)

LINKKEY: Final = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # docs/protocol.md TV-7
_IDENTITY: Final = ClientIdentity(mn="222", sn="001122334455")
LINK_SECRETS: Final = derive_link_secrets(
    access_code="123456", passphrase="p", nonce="n", cnonce="c", mn="222", sn="001122334455"
)

# Characters that str.isdigit() or int()/float() accept although they are not ASCII digits.
DIGIT_LIKE: Final = "0123456789²³¹⁰١٢٣٤٥٦۷۸۹०१२३４５６７８９𝟎𝟏൦൧"
UNICODE_DIGITS: Final = DIGIT_LIKE + "-+. e_"
NASTY_NUMBERS: Final = ("²", "¹²", "١٢٣", "１２", "𝟎", "൦", "٣.٥", "1²", " ² ", "-²", "0²")
TOKENS: Final = (
    "",
    " 12 ",
    "12.5",
    "-0",
    "0x10",
    "1e5",
    "1_000",
    "NaN",
    "inf",
    "-Infinity",
    "9" * 21,
    "9" * 401,
    "9" * 5000,
    "ON",
    "OFF",
    "LOCKED",
    "no_alarm_active",
    "FIRE",
    "DISARMED",
    "ARMED_AWAY",
    "VIOLATED",
    "OPEN",
    "CLOSE",
    "2222A22D",
    "ELKWC2017",
)
HUGE: Final = (2**32, 2**32 - 1, 2**63, 2**64, -(2**63), 10**400, -(10**400), 10**4299)


def nested(levels: int, leaf: Any, as_dict: bool) -> Any:
    """leaf wrapped in `levels` lists or single-key objects, built without recursion."""
    value = leaf
    for _ in range(levels):
        value = {"k": value} if as_dict else [value]
    return value


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(10**4299), 10**4299),
    st.sampled_from(HUGE),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.text(alphabet=UNICODE_DIGITS, min_size=1, max_size=12),
    st.text(alphabet=DIGIT_LIKE, min_size=1, max_size=6),
    st.sampled_from(NASTY_NUMBERS),
    st.sampled_from(TOKENS),
)
# Values as deep as decode() lets through, and a little deeper.
deep = st.builds(nested, st.integers(1, 40), scalars, st.booleans())
json_values = st.recursive(
    st.one_of(scalars, deep),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=10,
)

AREA_KEYS: Final = (
    "area_id",
    "arm_state",
    "arm_cmd_state",
    "ee_timer",
    "alarm_zone",
    "alarms",
    "alarm_mem",
    "alarm_state",
    "alarm_event",
    "ready_status",
    "zones_bypassed",
    "Chime",
    "troubles",
    "alrm_snd",
)
ZONE_KEYS: Final = ("zone_id", "secure_state", "contact_state", "BYPASSED", "low_batt", "rssi", "tamper")
ATTRIB_KEYS: Final = ("name", "area_id", "definition", "zone_type", "flags")
DEVICE_KEYS: Final = ("status", "state", "level", "locked", "tamper", "low_batt", "rssi")
TSTAT_KEYS: Final = (
    "temperature",
    "heat_setpoint",
    "cool_setpoint",
    "prec",
    "humidity",
    "battery level",
    "battery_level",
    "mode",
    "fan_mode",
)
VERSION_KEYS: Final = ("sn", "app", "hw", "boot", "SSP", "BUILD_DATETIME")
ENVELOPE_KEYS: Final = ("seq", "session_id", "error_code", "error_message", "error_text")
COMMANDS: Final = (
    "get_status",
    "set_status",
    "status",
    "get_trouble",
    "get_troubles",
    "set_arm_state",
    "get_all_zones_status",
    "get_all_outputs_status",
    "get_version_info",
    "get_attribs",
    "get_configured",
    "get_table_info",
    "get_defs",
)
ROUTE_DOMAINS: Final = (*(info.domain for info in DOMAINS), "system", "control", "hello", "authenticate")


def fields_of(keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects holding any of keys (and other keys), each with any JSON value."""
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=6), json_values, max_size=len(keys) + 2)


envelopes = st.builds(
    lambda envelope, domain, command, body: envelope | ({domain: {command: body}} if domain else {}),
    fields_of(ENVELOPE_KEYS),
    st.sampled_from(ROUTE_DOMAINS) | st.none(),
    st.sampled_from(COMMANDS),
    fields_of(AREA_KEYS + ZONE_KEYS + DEVICE_KEYS + ("block_id", "block_count", "status", "troubles")),
)
# Payload bytes: garbage, any JSON text, JSON nested far beyond the limit, non-JSON numbers.
payloads = st.one_of(
    st.binary(max_size=200),
    st.builds(lambda value: json.dumps(value, allow_nan=True).encode(), json_values | envelopes),
    st.integers(1, 100_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 100_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.sampled_from([b'{"a":NaN}', b'{"a":-Infinity}', b'{"a":1e400}', b'{"a":' + b"9" * 5000 + b"}"]),
)


def _run(coro: Any) -> None:
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(coro)
    finally:
        loop.close()


def _decode(data: bytes) -> None:
    decode(data)


def _splitter(chunks: list[bytes]) -> None:
    splitter = JsonStreamSplitter()
    for chunk in chunks:
        splitter.feed(chunk)
        while splitter.pop() is not None:
            pass


def _message(obj: dict[str, Any]) -> None:
    parse_message(obj)


def _decode_and_parse(data: bytes) -> None:
    parse_message(decode(data))


def _builders(args: tuple[int, dict[str, Any], dict[str, Any]]) -> None:
    item_id, attribs, status = args
    for build in (area_from_wire, output_from_wire, light_from_wire, lock_from_wire, barrier_from_wire):
        build(item_id, attribs, status)
    zone_from_wire(item_id, attribs, status, ("UNDEFINED", "BURG EE DELAY"))
    thermostat = thermostat_from_wire(item_id, attribs, status)
    for value in (thermostat.temperature, thermostat.heat_setpoint, thermostat.cool_setpoint):
        assert value is None or math.isfinite(value)
    version_from_wire(status)
    dotted_version(status.get("app"))
    zone_definition(attribs.get("definition"), ("UNDEFINED", "FIRE"))


def _live(args: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    attribs, messages = args
    live = LiveModel("E27")
    for info in DOMAINS:
        live.set_config(info.domain, {1: attribs, 2: {}})
    live.set_definitions(["UNDEFINED", "BURG EE DELAY"])
    for obj in messages:
        try:
            message = parse_message(obj)
        except E27Error:
            continue
        live.apply(message)
    live.snapshot()
    live.zones_needing_detail(messages[0].get("status") if messages else None)


def _merge(args: tuple[dict[str, Any], dict[str, Any]]) -> None:
    merge_area_status(*args)


def _cache(value: Any) -> None:
    load_cache(value)


@dataclass
class _ScriptedSession:
    """Answers every request with the next scripted body (cycling); quiet after a bounded number."""

    bodies: list[Any]
    asked: int = 0
    limit: int = 400

    async def request(self, domain: str, command: str, payload: Mapping[str, Any] | None = None) -> Message:
        self.asked += 1
        if self.asked > self.limit or not self.bodies:
            raise E27TimeoutError("the scripted panel stopped answering")
        body = self.bodies[self.asked % len(self.bodies)]
        return parse_message({"seq": self.asked, domain: {command: body}})


def _bootstrap(bodies: list[Any]) -> None:
    session: Any = _ScriptedSession(bodies)
    _run(bootstrap(session, LiveModel("E27"), {}, "fuzz"))


def _discovery(data: bytes) -> None:
    parse_discovery_reply(data, "192.0.2.9")


def _link_reply(payload: bytes) -> None:
    protocol, ciphertext = seal(hex_key_to_aes(LINK_SECRETS.tempkey_hex), payload[:4000], envelope_seq=1, src=0, dest=1)
    parse_link_reply(Frame(protocol, ciphertext), LINK_SECRETS)


def _hello(reply: dict[str, Any]) -> None:
    accept_hello(reply, LINKKEY)


def _session_inbound(payloads_in: list[bytes]) -> None:
    """A session's receive path (decrypt, decode, parse, dispatch) fed frames sealed with its key."""
    session = Session("192.0.2.9", 2101, _IDENTITY, LINKKEY, name="fuzz")
    key = bytes(16)
    session._cipher = SessionCipher(key)
    for payload in payloads_in:
        protocol, ciphertext = seal(key, payload[:4000], envelope_seq=1, src=0, dest=1)
        session._on_data(build_frame(protocol, ciphertext))


@dataclass(frozen=True)
class Target:
    """One decoder and the inputs it is fuzzed with."""

    name: str
    strategy: st.SearchStrategy[Any]
    call: Callable[[Any], None]


TARGETS: Final = (
    Target("decode", payloads, _decode),
    Target("message parser", envelopes, _message),
    Target("decode + parse", payloads, _decode_and_parse),
    Target("cleartext splitter", st.lists(payloads, max_size=4), _splitter),
    Target(
        "wire builders",
        st.tuples(
            st.integers(1, 99),
            fields_of(ATTRIB_KEYS),
            fields_of(AREA_KEYS + ZONE_KEYS + DEVICE_KEYS + TSTAT_KEYS + VERSION_KEYS),
        ),
        _builders,
    ),
    Target("live model", st.tuples(fields_of(ATTRIB_KEYS), st.lists(envelopes, max_size=6)), _live),
    Target("area merge", st.tuples(fields_of(AREA_KEYS), fields_of(AREA_KEYS)), _merge),
    Target("configuration cache", json_values | st.builds(lambda d: {"format": 1, "domains": d}, json_values), _cache),
    Target(
        "bootstrap",
        st.lists(
            fields_of(
                (
                    "block_id",
                    "block_count",
                    "table_csm",
                    "table_elements",
                    "areas",
                    "zones",
                    "definitions",
                    "status",
                    "name",
                    "panel_name",
                    "error_code",
                )
            ),
            max_size=6,
        ),
        _bootstrap,
    ),
    Target(
        "discovery reply",
        payloads
        | st.builds(
            lambda d: encode({"ELKWC2017": "x", **d}),
            fields_of(("MAC_ADDR", "IPV4_ADDR", "LISTEN_PORT", "ENCRYPTED_LISTEN_PORT", "NAME", "SERIAL")),
        ),
        _discovery,
    ),
    Target(
        "link reply",
        payloads
        | st.builds(
            lambda d: encode({"api_link": d}), fields_of(("enc", "hmac", "error_code", "error_message", "error_text"))
        ),
        _link_reply,
    ),
    Target(
        "hello reply",
        st.builds(lambda d: {"hello": d}, fields_of(("seq", "session_id", "sk", "shm", "error_code", "error_message")))
        | envelopes,
        _hello,
    ),
    Target("session receive path", st.lists(payloads, max_size=4), _session_inbound),
)


def check(target: Target, value: Any) -> None:
    """Run one input through target: returning or raising an E27Error is fine, anything else is not."""
    with contextlib.suppress(E27Error):
        target.call(value)

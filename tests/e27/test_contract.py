"""The decoding contract: every decoder takes any JSON and raises nothing but E27Error (a small budget here;
benchmarks/fuzz_decoders.py runs 10⁵ examples and reports the time per input)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from custom_components.elke27.e27.errors import E27ConnectionError, E27MessageError
from custom_components.elke27.e27.hello import accept_hello
from custom_components.elke27.e27.messages import REDACTED, decode, redact
from custom_components.elke27.e27.values import MAX_JSON_DEPTH, as_bool, as_int, as_number, as_strings, as_u32, depth
from custom_components.elke27.e27.wire import area_from_wire, thermostat_from_wire

from .contract import LINKKEY, TARGETS, Target, check, nested

# Modest: the whole suite runs on a busy 2-core machine; no deadline (time is the benchmark's job).
BUDGET = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.name)
def test_decoder_raises_only_e27_errors(target: Target) -> None:
    @BUDGET
    @given(target.strategy)
    def run(value: Any) -> None:
        check(target, value)

    run()


# -- the contract's building blocks, case by case ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        ("12", 12),
        (" 12\n", 12),
        ("-5", -5),
        (12.0, 12),
        ("9" * 20, int("9" * 20)),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("١٢", None),  # int() takes Arabic-Indic digits: still not ASCII
        ("１２", None),
        ("1²", None),
        ("9" * 21, None),
        ("9" * 5000, None),  # int() refuses more than 4300 digits
        ("0x10", None),
        ("1e5", None),
        ("1_000", None),
        ("+1", None),
        ("", None),
        (12.5, None),
        (float("nan"), None),
        (float("inf"), None),
        (10**400, None),
        (True, None),
        (None, None),
        ([1], None),
    ],
    ids=repr,
)
def test_as_int_takes_ascii_decimal_only(value: Any, expected: int | None) -> None:
    assert as_int(value) == expected


def test_ranges() -> None:
    assert as_u32(2**32 - 1) == 2**32 - 1
    assert as_u32(2**32) is None
    assert as_u32(-1) is None
    assert as_int(5, 0, 4) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (71, 71.0),
        ("71.5", 71.5),
        (71.5, 71.5),
        ("٧١", None),
        ("1e400", None),
        (10**400, None),
        (float("inf"), None),
        (True, None),  # JSON true is no reading, though Python counts it as 1
        ([71], None),
    ],
    ids=repr,
)
def test_as_number_is_finite_and_bounded(value: Any, expected: float | None) -> None:
    assert as_number(value, -1000, 1000) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (2, True),
        (" ON ", True),
        ("off", False),
        ("", False),
        ("maybe", None),
        (1.0, None),
        (None, None),
    ],
    ids=repr,
)
def test_as_bool_takes_the_panels_spellings_of_a_flag(value: Any, expected: bool | None) -> None:
    assert as_bool(value) is expected


def test_as_strings_keeps_text_and_numbers_only() -> None:
    assert as_strings(["AC Fail", 3, [["deep"]], {"a": 1}, None, 1.5, 10**400]) == ("AC Fail", "3")
    assert as_strings("not a list") == ()


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 990, 100_000])
def test_decode_refuses_deep_nesting(levels: int) -> None:
    with pytest.raises(E27MessageError, match="nested deeper"):
        decode(b'{"a":' + b"[" * levels + b"]" * levels + b"}")


def test_decode_keeps_what_the_api_nests() -> None:
    levels = MAX_JSON_DEPTH - 1
    assert depth(decode(b'{"a":' + b"[" * levels + b"]" * levels + b"}")) == MAX_JSON_DEPTH


@pytest.mark.parametrize("text", [b'{"a":NaN}', b'{"a":Infinity}', b'{"a":-Infinity}', b'{"a":' + b"9" * 5000 + b"}"])
def test_decode_refuses_what_json_does_not_allow(text: bytes) -> None:
    with pytest.raises(E27MessageError):
        decode(text)


def test_redact_is_depth_safe() -> None:
    value = nested(100_000, {"pin": 1234}, as_dict=False)
    redacted = redact({"list": value, "pin": 1234})
    assert redacted["pin"] == REDACTED
    assert "1234" not in json.dumps(redacted)


def test_unusable_numbers_in_status_are_ignored() -> None:
    tstat = thermostat_from_wire(1, {}, {"temperature": 10**400, "heat_setpoint": "9" * 401, "humidity": "٥٠"})
    assert (tstat.temperature, tstat.heat_setpoint, tstat.humidity) == (None, None, None)
    area = area_from_wire(1, {}, {"arm_state": "ARMED_AWAY", "ee_timer": "³⁰", "alarm_zone": "²", "zones_bypassed": -3})
    assert (area.entry_delay, area.alarm_zone, area.bypassed_count) == (None, None, 0)


@pytest.mark.parametrize("code", ["²", "1e3", -1, 2**40, [11006]], ids=repr)
def test_odd_hello_error_code_is_a_refused_session(code: Any) -> None:
    """Any non-zero error code, however written, is a refusal (retried later), never a dropped reply."""
    with pytest.raises(E27ConnectionError, match="refused the session"):
        accept_hello({"hello": {"error_code": code}}, LINKKEY)

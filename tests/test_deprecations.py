"""The deprecation guard recognises Home Assistant's reports about this integration, and only those."""

from __future__ import annotations

import logging

from tests.deprecations import deprecations_from_us


def _record(name: str, message: str) -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, message, None, None)


def test_reports_about_this_integration_are_found() -> None:
    records = [
        _record(
            "homeassistant.helpers.frame",
            "Detected that custom integration 'elke27' calls `async_get_device`, which is deprecated; "
            "this will stop working in Home Assistant 2027.8.0",
        ),
        _record("custom_components.elke27.climate", "Elke27Climate provides the deprecated target_temperature"),
    ]
    assert len(deprecations_from_us(records)) == 2


def test_other_records_are_ignored() -> None:
    records = [
        _record("homeassistant.helpers.frame", "Detected that custom integration 'other' uses a deprecated API"),
        _record("custom_components.elke27.coordinator", "Test House: connection to the panel lost"),
    ]
    assert deprecations_from_us(records) == []

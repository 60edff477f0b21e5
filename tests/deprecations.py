"""Shared guard: Home Assistant must not report a deprecation caused by this integration."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import pytest

_MARKERS = ("will stop working", "deprecated")
_OURS = ("custom_components.elke27", "elke27")


def deprecations_from_us(records: Iterable[logging.LogRecord]) -> list[str]:
    """The messages of records that report a deprecation attributed to this integration."""
    found = []
    for record in records:
        message = record.getMessage()
        lowered = message.lower()
        if not any(marker in lowered for marker in _MARKERS):
            continue
        if record.name.startswith(_OURS[0]) or any(name in lowered for name in _OURS):
            found.append(f"{record.name}: {message}")
    return found


def assert_no_deprecations(records: Iterable[logging.LogRecord]) -> None:
    """Fail if Home Assistant logged a deprecation ("will stop working", "deprecated") about us."""
    if found := deprecations_from_us(records):
        pytest.fail("Home Assistant reported a deprecation in this integration:\n" + "\n".join(found))

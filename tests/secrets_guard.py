"""Shared guard: no secret may reach a log record, whatever the logger or level."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import pytest


def assert_no_secrets(records: Iterable[logging.LogRecord], secrets: Iterable[str]) -> None:
    """Fail if any formatted record (message, arguments, exception text) contains a secret."""
    secrets = [secret for secret in secrets if secret]
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in records:
        text = formatter.format(record)
        for secret in secrets:
            if secret.lower() in text.lower():
                pytest.fail(f"a secret reached the log: {record.name} {record.levelname} {record.msg!r}")

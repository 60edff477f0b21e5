"""The decoding contract: what a value from the panel must look like before anything uses it.

Everything the panel sends is untrusted. Numbers are JSON numbers or numeric strings of ASCII
decimal digits (docs/api.md §2.2), finite and within a range; anything else decodes to None, and
the caller either ignores the field (DEBUG line) or raises E27MessageError. Nothing here
raises on any JSON value, and every walk over nested values is iterative and bounded.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

_LOGGER = logging.getLogger(__package__)

# A numeric string longer than this is not a number the panel sends (u64 has 20 digits).
MAX_DIGITS: Final = 20
INT_LIMIT: Final = 10**MAX_DIGITS
U32_MAX: Final = 0xFFFF_FFFF
# Plain decimal only: an optional sign, ASCII digits, an optional fraction. [0-9] (unlike \d)
# matches ASCII digits only, so "²" or "١٢" are not numbers here although int() takes some.
_INTEGER: Final = re.compile(rf"-?[0-9]{{1,{MAX_DIGITS}}}")
_DECIMAL: Final = re.compile(rf"-?[0-9]{{1,{MAX_DIGITS}}}(?:\.[0-9]{{1,{MAX_DIGITS}}})?")
_ASCII_SPACE: Final = " \t\r\n"
# JSON nesting deeper than this is never part of the API (its deepest objects are 4 levels).
MAX_JSON_DEPTH: Final = 32
_TRUE: Final = frozenset({"true", "on", "yes", "1"})
_FALSE: Final = frozenset({"false", "off", "no", "0", ""})


def as_int(value: Any, minimum: int = -INT_LIMIT, maximum: int = INT_LIMIT) -> int | None:
    """An integer from a JSON integer, an integral float or a string of ASCII digits, within range; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer() or abs(value) >= INT_LIMIT:
            return None
        number = int(value)
    elif isinstance(value, str):
        text = value.strip(_ASCII_SPACE)
        if not _INTEGER.fullmatch(text):
            return None
        number = int(text)
    else:
        return None
    return number if minimum <= number <= maximum else None


def as_u32(value: Any) -> int | None:
    """An unsigned 32-bit integer (session ids, seq, error codes), else None."""
    return as_int(value, 0, U32_MAX)


def as_number(value: Any, minimum: float, maximum: float) -> float | None:
    """A finite number from a JSON number or an ASCII decimal string, within range; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = float(value) if abs(value) < INT_LIMIT else math.inf
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        text = value.strip(_ASCII_SPACE)
        if not _DECIMAL.fullmatch(text):
            return None
        number = float(text)
    else:
        return None
    return number if math.isfinite(number) and minimum <= number <= maximum else None


def as_bool(value: Any) -> bool | None:
    """A boolean from true/false, 0/1 or "true"/"on"-style strings, else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        text = value.strip(_ASCII_SPACE).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def as_strings(value: Any) -> tuple[str, ...]:
    """A list of strings (integers rendered as text; other elements dropped); anything else is empty."""
    if not isinstance(value, list | tuple):
        return ()
    items: list[str] = []
    for item in value:
        if isinstance(item, str):
            items.append(item)
        elif (number := as_int(item)) is not None:
            items.append(str(number))
    return tuple(items)


def as_string_list(value: Any) -> tuple[str, ...]:
    """Like as_strings, but a single non-empty string is a one-element list."""
    if isinstance(value, str):
        return (value,) if value.strip(_ASCII_SPACE) else ()
    return as_strings(value)


def depth(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """Nesting depth of a JSON value (a scalar is 0), counted without recursion; stops past limit."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        stack.extend((child, level) for child in children)
    return deepest


def field[T](body: Mapping[str, Any], key: str, parse: Callable[[Any], T | None]) -> T | None:
    """body[key] decoded by parse; a present but malformed value is ignored with a DEBUG line.

    Only the key and the value's JSON type are logged, never the value itself.
    """
    if key not in body or body[key] is None:
        return None
    value = parse(body[key])
    if value is None:
        _LOGGER.debug("Ignoring field %r from the panel: unusable %s value", key, type(body[key]).__name__)
    return value


def real_serial(value: Any) -> str | None:
    """A serial number that identifies something, or None: a missing one or a factory placeholder does not.

    The panel reports the placeholder "00000001" where it has no serial of its own (docs/api.md §4.1);
    it, all 0 and all F are not unique. Whether the discovery reply's SERIAL (docs/protocol.md §2.1)
    can carry it is not known, so it is read by the same rule.
    """
    if not isinstance(value, str) or not (text := value.strip()):
        return None
    digits = text.upper()
    if digits == "00000001" or set(digits) <= {"0"} or set(digits) <= {"F"}:
        return None
    return text

"""messages.decode reads bytes as json.loads does: UTF-8, -16 or -32, with or without a BOM."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.elke27.e27.errors import E27MessageError
from custom_components.elke27.e27.messages import decode

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")
objects = st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8) | st.booleans(), max_size=4)


@settings(max_examples=100, deadline=None)
@given(objects, st.sampled_from(ENCODINGS))
def test_every_encoding_json_accepts(obj: dict[str, Any], encoding: str) -> None:
    data = json.dumps(obj, ensure_ascii=False).encode(encoding)
    assert decode(data) == json.loads(data) == obj


@pytest.mark.parametrize("data", [b"{", b"{\x00", b"{\x00\x00", b"{\x00a\x00}\x00", b'{"a":"\xff"}', b"{}x"])
def test_what_json_refuses_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):  # json's own refusal, whatever its subclass
        json.loads(data)
    with pytest.raises(E27MessageError):
        decode(data)

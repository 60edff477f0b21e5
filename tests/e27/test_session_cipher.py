"""A session's cipher: one key schedule for every message, results identical to a fresh cipher per message."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.elke27.e27.crypto import SessionCipher, open_envelope, seal
from custom_components.elke27.e27.errors import E27CryptoError

from .test_vectors import SESSION_KEY, TV9_CIPHERTEXT, TV9_P, TV10_P, TV10_WIRE

SETTINGS = settings(max_examples=100, deadline=None)


def test_vectors_through_one_cipher_in_any_order() -> None:
    cipher = SessionCipher(SESSION_KEY)
    for _ in range(3):  # every message starts from the IV, whatever came before
        assert seal(cipher, TV9_P, envelope_seq=1, src=1, dest=0) == (0x81, TV9_CIPHERTEXT)
        assert open_envelope(cipher, 0x8B, TV10_WIRE[4:-2]).payload == TV10_P
        assert open_envelope(cipher, 0x81, TV9_CIPHERTEXT).payload == TV9_P
        assert seal(cipher, TV10_P, envelope_seq=7, src=0, dest=1)[1] == TV10_WIRE[4:-2]


@SETTINGS
@given(
    st.lists(st.tuples(st.binary(max_size=300), st.integers(1, 2**32 - 1)), min_size=1, max_size=8),
    st.binary(min_size=16, max_size=16),
)
def test_same_as_a_fresh_cipher_per_message(messages: list[tuple[bytes, int]], key: bytes) -> None:
    cipher = SessionCipher(key)
    for payload, envelope_seq in messages:
        sealed = seal(cipher, payload, envelope_seq=envelope_seq, src=0, dest=1)
        assert sealed == seal(key, payload, envelope_seq=envelope_seq, src=0, dest=1)
        assert open_envelope(cipher, *sealed) == open_envelope(key, *sealed)


def test_refused_input_leaves_the_cipher_usable() -> None:
    cipher = SessionCipher(SESSION_KEY)
    for bad in (b"", bytes(15), bytes(17)):
        with pytest.raises(E27CryptoError):
            cipher.decrypt(bad)
        with pytest.raises(E27CryptoError):
            cipher.encrypt(bad)
        with pytest.raises(E27CryptoError):
            open_envelope(cipher, 0x81, bad)
    with pytest.raises(E27CryptoError):  # whole blocks, wrong content
        open_envelope(cipher, 0x81, random.Random(1).randbytes(32))
    assert open_envelope(cipher, 0x81, TV9_CIPHERTEXT).payload == TV9_P
    assert seal(cipher, TV9_P, envelope_seq=1, src=1, dest=0) == (0x81, TV9_CIPHERTEXT)


def test_wrong_key_sizes_are_refused() -> None:
    for key in (b"", bytes(15), bytes(32)):
        with pytest.raises(E27CryptoError):
            SessionCipher(key)


def test_repr_holds_no_key() -> None:
    cipher = SessionCipher(SESSION_KEY)
    seal(cipher, TV9_P, envelope_seq=1, src=1, dest=0)
    for text in (repr(cipher), str(cipher), repr([cipher]), f"{cipher!r}"):
        assert SESSION_KEY.hex() not in text.lower()
        assert repr(SESSION_KEY) not in text
        assert "redacted" in text
    assert not hasattr(cipher, "__dict__")  # nothing beyond its slots to leak

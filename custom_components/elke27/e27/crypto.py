"""Schema-0 presentation layer and key derivation (docs/protocol.md §3, §5, §6.2, §7.3)."""

from __future__ import annotations

import hashlib
import secrets
from array import array
from dataclasses import dataclass, field
from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .const import (
    AES_BLOCK,
    AES_IV,
    ENVELOPE_HEADER_SIZE,
    ENVELOPE_OVERHEAD,
    MAGIC,
    MAX_PAYLOAD,
    MIN_FRAME_LENGTH,
    PAD_MASK,
    PROTOCOL_ENCRYPTED,
)
from .errors import E27CryptoError

_MODE: Final = modes.CBC(AES_IV)
_IV_INT: Final = int.from_bytes(AES_IV, "big")
_WORD: Final = (array("I").itemsize == 4 and "I") or "L"


def swap32(data: bytes | bytearray) -> bytes:
    """Reverse the byte order inside every 4-byte group of data."""
    if len(data) % 4:
        raise E27CryptoError(f"cannot word-swap {len(data)} bytes: not a multiple of 4")
    words = array(_WORD, data)
    words.byteswap()
    return words.tobytes()


def padding_length(size: int) -> int:
    """Zero bytes needed to bring a plaintext of size bytes to a whole AES block."""
    return -size % AES_BLOCK


def hex_key_to_aes(key_hex: str) -> bytes:
    """AES key for a hex key from the panel (tempkey, link key): swap32 of its bytes."""
    try:
        raw = bytes.fromhex(key_hex)
    except ValueError as err:
        raise E27CryptoError("key is not valid hex") from err
    if len(raw) != AES_BLOCK:
        raise E27CryptoError(f"key has {len(raw)} bytes, expected {AES_BLOCK}")
    return swap32(raw)


def _aes_key(key: bytes) -> algorithms.AES:
    if len(key) != AES_BLOCK:
        raise E27CryptoError(f"AES key has {len(key)} bytes, expected {AES_BLOCK}")
    return algorithms.AES(key)


def _encrypt(key: bytes, plaintext: bytes) -> bytes:
    encryptor = Cipher(_aes_key(key), _MODE).encryptor()
    return encryptor.update(plaintext) + encryptor.finalize()


def _decrypt(key: bytes, ciphertext: bytes) -> bytes:
    decryptor = Cipher(_aes_key(key), _MODE).decryptor()
    return decryptor.update(ciphertext) + decryptor.finalize()


def _whole_blocks(data: bytes, what: str) -> None:
    if not data or len(data) % AES_BLOCK:
        raise E27CryptoError(f"{what} of {len(data)} bytes is not a whole number of AES blocks")


class SessionCipher:
    """AES-128-CBC with the protocol's fixed IV under one key, its key schedule built once.

    Every message starts a new CBC chain from the IV. The two cipher contexts live as long
    as the session and are never finalised; each call first puts the chain back on the IV
    with one extra block: decrypting, the IV itself as a ciphertext block (its output is
    dropped); encrypting, the block D(IV) ⊕ previous ciphertext block, which encrypts to the
    IV (also dropped). Only whole blocks are ever fed, so neither context buffers anything.
    """

    __slots__ = ("_decryptor", "_encryptor", "_last", "_to_iv")

    def __init__(self, key: bytes) -> None:
        aes = _aes_key(key)
        self._decryptor = Cipher(aes, _MODE).decryptor()
        self._encryptor = Cipher(aes, _MODE).encryptor()
        # A fresh chain starts at the IV, so decrypting the IV block yields D(IV) ⊕ IV.
        probe = Cipher(aes, _MODE).decryptor().update(AES_IV)
        self._to_iv = int.from_bytes(probe, "big") ^ _IV_INT  # D(IV)
        self._last = _IV_INT  # the encryptor's chain value: its last ciphertext block

    def __repr__(self) -> str:
        return "SessionCipher(<redacted>)"

    def encrypt(self, plaintext: bytes) -> bytes:
        """CBC-encrypt whole blocks from the IV."""
        _whole_blocks(plaintext, "plaintext")
        reset = (self._to_iv ^ self._last).to_bytes(AES_BLOCK, "big")
        out = self._encryptor.update(reset + plaintext)
        self._last = int.from_bytes(out[-AES_BLOCK:], "big")
        return out[AES_BLOCK:]

    def decrypt(self, ciphertext: bytes) -> bytes:
        """CBC-decrypt whole blocks from the IV."""
        _whole_blocks(ciphertext, "ciphertext")
        return self._decryptor.update(AES_IV + ciphertext)[AES_BLOCK:]


type SessionKey = bytes | SessionCipher
"""A raw 16-byte AES key (one-off use) or a session's cipher (its key schedule reused)."""


def hits_length_quirk(payload_size: int) -> bool:
    """Whether the frame of a schema-0 envelope with this payload size has LENGTH low byte == protocol byte.

    The reference deframer loses such frames (docs/protocol.md §4.4: JSON of 114, 370, 626, …
    bytes); whether the panel's firmware shares that defect is unknown.
    """
    pad = padding_length(payload_size + ENVELOPE_OVERHEAD)
    length = payload_size + ENVELOPE_OVERHEAD + pad + MIN_FRAME_LENGTH
    return length & 0xFF == PROTOCOL_ENCRYPTED | pad


def quirk_safe(payload: bytes) -> bytes:
    """payload, with one space after its opening brace if its frame would hit the length quirk.

    One byte more always suffices: it either lowers the pad (so the protocol byte changes
    and LENGTH does not) or, at pad 0, adds a block (LENGTH moves by 16, the protocol byte by 15).
    """
    if not hits_length_quirk(len(payload)):
        return payload
    return payload[:1] + b" " + payload[1:] if payload.startswith(b"{") else payload + b" "


@dataclass(frozen=True, slots=True)
class Envelope:
    """A decrypted schema-0 envelope."""

    envelope_seq: int
    src: int
    dest: int
    head: int
    payload: bytes = field(repr=False)
    padding: int


def seal(
    key: SessionKey, payload: bytes, *, envelope_seq: int, src: int, dest: int, head: int = 0
) -> tuple[int, bytes]:
    """Encrypt payload into a schema-0 envelope; return (protocol byte, ciphertext)."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds the {MAX_PAYLOAD}-byte limit")
    pad = padding_length(len(payload) + ENVELOPE_OVERHEAD)
    plaintext = envelope_seq.to_bytes(4, "little") + bytes((src, dest, head)) + payload + MAGIC + bytes(pad)
    words = swap32(plaintext)
    ciphertext = key.encrypt(words) if isinstance(key, SessionCipher) else _encrypt(key, words)
    return PROTOCOL_ENCRYPTED | pad, swap32(ciphertext)


def open_envelope(key: SessionKey, protocol: int, ciphertext: bytes) -> Envelope:
    """Decrypt and check a schema-0 envelope; raise E27CryptoError if it is not one."""
    if not protocol & PROTOCOL_ENCRYPTED:
        raise E27CryptoError(f"protocol byte 0x{protocol:02x} does not mark an encrypted payload")
    _whole_blocks(ciphertext, "ciphertext")
    pad = protocol & PAD_MASK
    words = swap32(ciphertext)
    plaintext = swap32(key.decrypt(words) if isinstance(key, SessionCipher) else _decrypt(key, words))
    end = len(plaintext) - pad
    if end < ENVELOPE_OVERHEAD or plaintext[end - len(MAGIC) : end] != MAGIC:
        raise E27CryptoError("MAGIC check failed after decryption: wrong key or corrupted payload")
    return Envelope(
        envelope_seq=int.from_bytes(plaintext[:4], "little"),
        src=plaintext[4],
        dest=plaintext[5],
        head=plaintext[6],
        payload=plaintext[ENVELOPE_HEADER_SIZE : end - len(MAGIC)],
        padding=pad,
    )


@dataclass(frozen=True, slots=True)
class LinkSecrets:
    """The api_link proof (`pass`) and the one-use key for the reply (`tempkey`)."""

    pass_hex: str = field(repr=False)
    tempkey_hex: str = field(repr=False)

    def __repr__(self) -> str:
        return "LinkSecrets(pass_hex=<redacted>, tempkey_hex=<redacted>)"


def _sha1_hex(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def derive_link_secrets(*, access_code: str, passphrase: str, nonce: str, cnonce: str, mn: str, sn: str) -> LinkSecrets:
    """Derive `pass` and `tempkey` from the installer secrets and both nonces."""
    h1 = _sha1_hex(f"{access_code}:{sn}:{passphrase}")
    h2 = _sha1_hex(f"{sn}:{nonce}:{mn}")
    h3 = _sha1_hex(f"{h1}:{cnonce}:{h2}")
    return LinkSecrets(pass_hex=h3[:8], tempkey_hex=h3[8:])


def new_cnonce() -> str:
    """A fresh client nonce: 20 random bytes as lowercase hex."""
    return secrets.token_hex(20)


def decrypt_key_field(linkkey_hex: str, field_hex: str) -> bytes:
    """Decrypt a hello `sk`/`shm` field with the link key; the output is not swapped."""
    try:
        ciphertext = bytes.fromhex(field_hex)
    except ValueError as err:
        raise E27CryptoError("hello key field is not valid hex") from err
    if not ciphertext or len(ciphertext) % AES_BLOCK:
        raise E27CryptoError(f"hello key field of {len(ciphertext)} bytes is not a whole number of AES blocks")
    return _decrypt(hex_key_to_aes(linkkey_hex), swap32(ciphertext))


def encrypt_key_field(linkkey_hex: str, raw: bytes) -> str:
    """Encrypt a session key for a hello reply (the panel's side of decrypt_key_field)."""
    return swap32(_encrypt(hex_key_to_aes(linkkey_hex), raw)).hex()

"""The file MAC: one HMAC-SHA256 over the version, the rules and every (path, value) in order.

Keyed by HKDF from the data key, so only a holder of the data key can make a valid file. It
covers ciphertexts as text (no decryption needed to check it) and plaintext values by their
typed encoding, so verifying needs one pass and fails before any value is decrypted.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sealfile.errors import IntegrityError
from sealfile.model.paths import Leaf, encode_path
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import Styled, encode_scalar, is_sealed

MAC_INFO = b"sealfile v1 file mac"


def mac_key(data_key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=MAC_INFO).derive(data_key)


def _frame(part: bytes) -> bytes:
    return len(part).to_bytes(4, "big") + part


def leaf_bytes(value: Any) -> bytes:
    """How one leaf enters the MAC: sealed text, a typed plaintext, or an empty container.

    A plaintext enters without its style (quoting, null spelling): that is layout, not data.
    """
    if isinstance(value, dict):
        return b"{"
    if isinstance(value, list):
        return b"["
    if is_sealed(value):
        return b"E" + str(value).encode("ascii")
    return b"P" + encode_scalar(value.value if isinstance(value, Styled) else value)


EncodedLeaf = tuple[bytes, bytes]
"""``(encode_path(path), leaf_bytes(value))``: a leaf as the MAC sees it."""


def _digest(key: bytes, version: int, rules: EncryptionRules, leaves: Iterable[EncodedLeaf]) -> hmac.HMAC:
    parts = [_frame(b"sealfile-mac"), _frame(str(version).encode()), _frame(rules.canonical())]
    for encoded_path, leaf in leaves:  # _frame inlined: this loop runs once per value
        parts += (len(encoded_path).to_bytes(4, "big"), encoded_path, len(leaf).to_bytes(4, "big"), leaf)
    h = hmac.HMAC(key, hashes.SHA256())
    h.update(b"".join(parts))
    return h


def _encoded(leaves: Iterable[Leaf]) -> Iterable[EncodedLeaf]:
    return ((encode_path(path), leaf_bytes(value)) for path, value in leaves)


def compute_mac(key: bytes, version: int, rules: EncryptionRules, leaves: Iterable[Leaf]) -> str:
    return compute_mac_encoded(key, version, rules, _encoded(leaves))


def verify_mac(key: bytes, version: int, rules: EncryptionRules, leaves: Iterable[Leaf], stored: str) -> None:
    verify_mac_encoded(key, version, rules, _encoded(leaves), stored)


def compute_mac_encoded(key: bytes, version: int, rules: EncryptionRules, leaves: Iterable[EncodedLeaf]) -> str:
    """The MAC from leaves already encoded (the fast read path encodes paths as it walks)."""
    return base64.b64encode(_digest(key, version, rules, leaves).finalize()).decode("ascii")


def verify_mac_encoded(
    key: bytes, version: int, rules: EncryptionRules, leaves: Iterable[EncodedLeaf], stored: str
) -> None:
    """Constant-time check (``HMAC.verify``); :class:`IntegrityError` on any difference."""
    try:
        expected = base64.b64decode(stored, validate=True)
    except ValueError:
        raise IntegrityError("the file MAC is malformed") from None
    try:
        _digest(key, version, rules, leaves).verify(expected)
    except InvalidSignature:
        raise IntegrityError("the file MAC does not match: the file was altered or damaged") from None

"""SOPS values and MAC: ``ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]`` (SOPS aes/cipher.go).

Each value is AES-256-GCM under the file's data key with a 32-byte IV and, as associated data,
the mapping keys on its path joined by ``:`` plus a trailing ``:`` (list positions add nothing).
The MAC is SHA-512 over every value's plaintext in document order, written as upper-case hex,
then itself encrypted with the data key, the ``lastmodified`` timestamp as associated data.
Values are rendered to bytes as Go's ``sops.ToBytes`` does, so the MAC matches SOPS's own.

Every failure here is the one opaque :class:`IntegrityError`: a wrong key, an altered value or
a value moved to another path look the same to a caller, as they should.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealfile.errors import IntegrityError

_B64 = r"[A-Za-z0-9+/=]"
_ENC = re.compile(rf"ENC\[AES256_GCM,data:({_B64}*),iv:({_B64}+),tag:({_B64}+),type:(\w+)\]")
_INTEGER = re.compile(r"[+-]?\d+")
_GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_GO_FALSE = {"0", "f", "F", "FALSE", "false", "False"}

MAC_ONLY_ENCRYPTED_PREFIX = hashlib.sha256(b"sops").digest()
"""What SOPS feeds the hash first when ``mac_only_encrypted`` is set (sops.go)."""


@dataclass(frozen=True)
class Comment:
    """A decrypted comment: SOPS encrypts YAML comments too, but they are not data."""

    text: str


def is_encrypted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("ENC[AES256_GCM,")


def path_aad(keys: Iterable[str]) -> bytes:
    """The associated data SOPS binds a value to: ``a:b:`` for ``a.b`` (``:`` at the top)."""
    return (":".join(keys) + ":").encode("utf-8")


YAML_WHOLE_FLOATS_BELOW = 10**6
"""``sops decrypt`` prints a YAML float64 with Go's ``%g``: ``1`` for 1.0, but ``1e+06`` from 1e6 up."""
JSON_WHOLE_FLOATS_BELOW = 10**21
"""...and a JSON float64 as ``encoding/json`` does: ``8080`` for 8080.0, ``1e+21`` from 1e21 up."""


def decrypt_value(data_key: bytes, text: str, aad: bytes, *, whole_floats_below: int = YAML_WHOLE_FLOATS_BELOW) -> Any:
    """Decrypt one SOPS value to str, int, float, bool, bytes or :class:`Comment`.

    A ``float`` that is a whole number below ``whole_floats_below`` comes back as ``int``: that
    is what ``sops decrypt`` prints for it (SOPS's JSON store types every number as a float, so
    ``"port": 8080`` is stored as one), and ``load_secrets`` returns what ``sops decrypt`` shows.
    """
    if text == "":
        return ""  # SOPS leaves empty strings unencrypted
    match = _ENC.fullmatch(text)
    if match is None:
        raise IntegrityError("not a SOPS encrypted value")
    try:
        data, iv, tag = (base64.b64decode(part, validate=True) for part in match.group(1, 2, 3))
        if not iv or len(tag) != 16:
            raise ValueError
        plain = AESGCM(data_key).decrypt(iv, data + tag, aad)
    except (InvalidTag, ValueError, binascii.Error):
        raise IntegrityError("a value does not authenticate (altered, moved, or another file's key)") from None
    return _typed(plain, match.group(4), whole_floats_below)


def _typed(plain: bytes, kind: str, whole_floats_below: int) -> Any:
    if kind == "bytes":
        return plain
    try:
        text = plain.decode("utf-8")
        if kind == "str":
            return text
        if kind == "comment":
            return Comment(text)
        if kind in ("int", "int64"):
            return int(text, 10)
        if kind == "float":
            if _INTEGER.fullmatch(text) and abs(int(text, 10)) < whole_floats_below:
                return int(text, 10)
            return float(text)
        if kind == "bool" and (text in _GO_TRUE or text in _GO_FALSE):
            return text in _GO_TRUE
    except ValueError:
        pass
    raise IntegrityError(f"a value has an unreadable SOPS type {kind!r}")


def go_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'f', -1, 64)``: shortest round-trip digits, never an exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def mac_bytes(value: Any, *, json_numbers: bool = False) -> bytes:
    """A plaintext value as SOPS hashes it (``sops.ToBytes``); ``json_numbers``: SOPS's JSON
    store reads every number as a float64, so an unencrypted JSON int is hashed as one."""
    if isinstance(value, bool):
        return b"True" if value else b"False"
    if isinstance(value, int):
        return (go_float(float(value)) if json_numbers else str(value)).encode()
    if isinstance(value, float):
        return go_float(value).encode()
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    if hasattr(value, "isoformat"):  # a YAML timestamp SOPS (yaml.v3) kept as its text
        return str(value.isoformat()).encode()
    raise IntegrityError(f"a value of type {type(value).__name__} cannot be part of a SOPS MAC")


class MacHasher:
    """SHA-512 over the plaintext values in document order, as SOPS's Tree.Decrypt builds it."""

    def __init__(self, *, only_encrypted: bool) -> None:
        self._hash = hashlib.sha512()
        if only_encrypted:
            self._hash.update(MAC_ONLY_ENCRYPTED_PREFIX)

    def add(self, data: bytes) -> None:
        self._hash.update(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest().upper()


def verify_mac(data_key: bytes, stored: str, computed_hex: str, lastmodified: str) -> None:
    """Decrypt the stored MAC (associated data: the timestamp) and compare in constant time."""
    expected = decrypt_value(data_key, stored, lastmodified.encode("utf-8"))
    if not isinstance(expected, str) or not hmac.compare_digest(expected.upper(), computed_hex):
        raise IntegrityError("the SOPS MAC does not match the contents (the file was altered)")

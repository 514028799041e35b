"""SOPS values and MAC: ``ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]`` (SOPS aes/cipher.go).

Each value is AES-256-GCM under the file's data key with a 32-byte IV and, as associated data,
the mapping keys on its path joined by ``:`` plus a trailing ``:`` (list positions add nothing).
The ``type`` label is outside the encryption: a value is parsed by its label as Go parses it
(``strconv.Atoi``, ``ParseFloat``, ``ParseBool``, ``time.UnmarshalText``) and hashed into the
MAC as Go prints the result (``sops.ToBytes``), so a relabelled value is accepted or refused
exactly as SOPS accepts or refuses it. A Go string may hold any bytes: text that is not UTF-8
is kept with ``surrogateescape`` and hashed as the original bytes.

Every authentication failure is the one opaque :class:`IntegrityError`: a wrong key, an altered
value or a value moved to another path look the same to a caller, as they should.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealfile.errors import FormatError, IntegrityError, SealfileError
from sealfile.sops.gonum import atoi, format_f, parse_bool, parse_float
from sealfile.sops.gotime import GoTime, unmarshal_text
from sealfile.sops.nodes import Comment

ENC_PREFIX = "ENC[AES256_GCM,"
_DATA = ENC_PREFIX + "data:"

MAC_ONLY_ENCRYPTED_PREFIX = hashlib.sha256(b"sops").digest()
"""What SOPS feeds the hash first when ``mac_only_encrypted`` is set (sops.go)."""


def is_encrypted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(ENC_PREFIX)


def path_aad(keys: Iterable[str]) -> bytes:
    """The associated data SOPS binds a value to: ``a:b:`` for ``a.b`` (``:`` at the top)."""
    return go_bytes(":".join(keys) + ":")


def go_bytes(text: str) -> bytes:
    """A Go string's bytes (text read from bytes that were not UTF-8 keeps them, escaped)."""
    return text.encode("utf-8", "surrogateescape")


def parse_token(text: str) -> tuple[str, str, str, str] | None:
    """``(data, iv, tag, type)`` as Go's ``^ENC\\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\\]``
    finds them: on the first line, every group non-empty and as long as it can be (greedy,
    leftmost first), text after the last ``]`` ignored. Found right to left in linear time,
    which is what the greedy match amounts to (a backtracking regex could take quadratic time
    on a crafted value)."""
    if not text.startswith(_DATA):
        return None
    line = text.split("\n", 1)[0]
    close = line.rfind("]")
    kind_at = line.rfind(",type:", 0, close - 1) if close > 0 else -1
    tag_at = line.rfind(",tag:", 0, kind_at - 1) if kind_at > 0 else -1
    iv_at = line.rfind(",iv:", len(_DATA) + 1, tag_at - 1) if tag_at > 0 else -1
    if iv_at < 0:
        return None
    return line[len(_DATA):iv_at], line[iv_at + 4:tag_at], line[tag_at + 5:kind_at], line[kind_at + 6:close]


def _b64(text: str) -> bytes:
    """Go's ``base64.StdEncoding.DecodeString``: padding required; CR and LF are skipped."""
    return base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)


def decrypt_value(data_key: bytes, text: str, aad: bytes) -> Any:
    """Decrypt one SOPS value to the Go value its label names: str, int, float, bool,
    :class:`GoTime` or :class:`Comment` (an empty string stays empty, as SOPS leaves it)."""
    if text == "":
        return ""
    parts = parse_token(text)
    if parts is None:
        raise IntegrityError("not a SOPS encrypted value")
    try:
        data, iv, tag = (_b64(part) for part in parts[:3])
        if not iv or len(data + tag) < 16:
            raise ValueError
        plain = AESGCM(data_key).decrypt(iv, data + tag, aad)
    except (InvalidTag, ValueError, binascii.Error):
        raise IntegrityError("a value does not authenticate (altered, moved, or another file's key)") from None
    return typed(plain, parts[3])


def _label(value: Any) -> tuple[str, bytes]:
    """A Go value's ``type:`` label and plaintext, as aes/cipher.go ``Encrypt`` writes them."""
    if isinstance(value, Comment):
        return "comment", go_bytes(value.text)
    if isinstance(value, (bool, int, float)):
        return {bool: "bool", int: "int", float: "float"}[type(value)], mac_bytes(value)
    if isinstance(value, GoTime):
        return "time", mac_bytes(value)
    if isinstance(value, str):
        return "str", go_bytes(value)
    raise FormatError(f"a value of type {type(value).__name__} cannot be encrypted for SOPS")


def encrypt_value(data_key: bytes, value: Any, aad: bytes) -> str:
    """One value as SOPS encrypts it (a fresh 32-byte IV); an empty string or comment stays empty."""
    kind, plain = _label(value)
    if not plain and kind in ("str", "comment"):
        return ""
    iv = os.urandom(32)
    sealed = AESGCM(data_key).encrypt(iv, plain, aad)
    data, tag = (base64.b64encode(part).decode("ascii") for part in (sealed[:-16], sealed[-16:]))
    return f"{_DATA}{data},iv:{base64.b64encode(iv).decode('ascii')},tag:{tag},type:{kind}]"


def typed(plain: bytes, kind: str) -> Any:
    """A decrypted plaintext parsed as Go parses its label; what SOPS refuses is refused."""
    if kind == "bytes":  # sops 3.x crashes on this label (it keys a map with the []byte)
        raise IntegrityError("a value is labelled type:bytes, which SOPS cannot read either")
    text = plain.decode("utf-8", "surrogateescape")
    try:
        if kind == "str":
            return text
        if kind == "comment":
            return Comment(text, sealed=True)
        if kind == "int":
            return atoi(text)
        if kind == "float":
            return parse_float(text)
        if kind == "bool":
            return parse_bool(text)
        if kind == "time":
            return unmarshal_text(text)
    except ValueError:
        raise IntegrityError(f"a value does not parse as its SOPS type {kind!r}") from None
    raise IntegrityError("a value has an unknown SOPS type label")


def mac_bytes(value: Any) -> bytes:
    """A Go value as SOPS hashes it into the MAC (``sops.ToBytes``)."""
    if isinstance(value, bool):
        return b"True" if value else b"False"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, float):
        return format_f(value).encode()
    if isinstance(value, str):
        return go_bytes(value)
    if isinstance(value, GoTime):
        return value.text.encode()
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


def mac_opens(data_key: bytes, stored: str, lastmodified: str) -> bool:
    """Whether ``data_key`` decrypts the stored MAC: that a key combined from key-group parts is the file's."""
    try:
        decrypt_value(data_key, stored, lastmodified.encode("utf-8"))
    except SealfileError:
        return False
    return True


def verify_mac(data_key: bytes, stored: str, computed_hex: str, lastmodified: str) -> None:
    """Decrypt the stored MAC (associated data: the timestamp) and compare it as SOPS does:
    the exact upper-case hex string."""
    try:
        expected = decrypt_value(data_key, stored, lastmodified.encode("utf-8"))
    except IntegrityError:
        expected = None
    if not isinstance(expected, str) or not hmac.compare_digest(go_bytes(expected), computed_hex.encode()):
        raise IntegrityError("the SOPS MAC does not match the contents (the file was altered)")

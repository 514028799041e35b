"""Sealing one scalar: its type, its YAML style and its path go inside one Fernet token.

Token plaintext (docs/format.md §5): ``path digest (16 bytes) || tag (1 byte) || value``. The
digest binds the token to its key path; Fernet authenticates all of it, and the time Fernet
records is when the value was last set (kept when a value is re-sealed unchanged).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import math
import re
import time
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from sealfile.errors import FormatError, IntegrityError

ENC_RE = re.compile(r"ENC\[([A-Za-z0-9_\-]+=*)\]\Z")
DIGEST_BYTES = 16

# Strings carry their YAML style so decrypting gives back what the user wrote.
STR_STYLES = {"s": None, '"': '"', "'": "'", "|": "|", ">": ">"}
_STYLE_BY_CLASS = {
    "DoubleQuotedScalarString": '"',
    "SingleQuotedScalarString": "'",
    "LiteralScalarString": "|",
    "FoldedScalarString": ">",
}


class SpelledNull:
    """A null that remembers how it was written (``null``, ``~``...), so rewriting keeps it."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, SpelledNull)

    def __hash__(self) -> int:
        return hash(None)

    def __repr__(self) -> str:
        return f"SpelledNull({self.text!r})"


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("ENC[") and ENC_RE.match(value) is not None


def encode_scalar(value: Any) -> bytes:
    """``tag || text`` for any scalar YAML can hold; the same bytes for round-trip and safe loads
    (except a null's spelling, which the MAC ignores: see :func:`sealfile.envelope.mac.leaf_bytes`)."""
    if isinstance(value, str):
        style = _STYLE_BY_CLASS.get(type(value).__name__, "s")
        return style.encode() + value.encode("utf-8", "surrogatepass")
    if value is None:
        return b"n"
    if isinstance(value, SpelledNull):
        return b"n" + value.text.encode()
    if isinstance(value, bool) or type(value).__name__ == "ScalarBoolean":
        return b"b1" if value else b"b0"
    if isinstance(value, int):
        return b"i" + str(int(value)).encode()
    if isinstance(value, float):
        return b"f" + _float_text(float(value)).encode()
    if isinstance(value, dt.datetime):
        return b"t" + _datetime(value).isoformat().encode()
    if isinstance(value, dt.date):
        return b"d" + value.isoformat().encode()
    if isinstance(value, bytes):
        return b"x" + base64.b64encode(value)
    raise FormatError(f"cannot seal a value of type {type(value).__name__}")


def _float_text(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _datetime(value: dt.datetime) -> dt.datetime:
    # ruamel's TimeStamp subclass keeps extra attributes; a plain datetime is what we store.
    return dt.datetime(
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.microsecond, value.tzinfo,
    )


def decode_scalar(encoded: bytes) -> tuple[Any, str | None]:
    """Inverse of :func:`encode_scalar`: ``(value, style)``; style is a string's quoting or a null's spelling."""
    tag, text = chr(encoded[0]), encoded[1:]
    if tag in STR_STYLES:
        return text.decode("utf-8", "surrogatepass"), STR_STYLES[tag]
    if tag == "n":
        return None, text.decode() or None
    if tag == "b":
        return text == b"1", None
    if tag == "i":
        return int(text), None
    if tag == "f":
        return float(text), None
    if tag == "t":
        return dt.datetime.fromisoformat(text.decode()), None
    if tag == "d":
        return dt.date.fromisoformat(text.decode()), None
    if tag == "x":
        return base64.b64decode(text), None
    raise ValueError("unknown value tag")


def path_digest(encoded_path: bytes) -> bytes:
    return hashlib.sha256(encoded_path).digest()[:DIGEST_BYTES]


class ValueCipher:
    """Fernet under the file's data key, with path binding. ``clock`` is injectable for tests."""

    def __init__(self, data_key: bytes, clock: Callable[[], int] | None = None):
        self._fernet = Fernet(base64.urlsafe_b64encode(data_key))
        self._clock = clock or (lambda: int(time.time()))

    def seal(self, encoded_path: bytes, value: Any) -> str:
        payload = path_digest(encoded_path) + encode_scalar(value)
        token = self._fernet.encrypt_at_time(payload, self._clock())
        return f"ENC[{token.decode('ascii')}]"

    def open_encoded(self, encoded_path: bytes, sealed: str) -> bytes:
        """The value's ``tag || text`` bytes; :class:`IntegrityError` if forged or moved."""
        match = ENC_RE.match(sealed)
        if match is None:
            raise IntegrityError("not a sealed value")
        try:
            payload = self._fernet.decrypt(match.group(1))
        except InvalidToken:
            raise IntegrityError("a value failed authentication") from None
        if len(payload) <= DIGEST_BYTES or not hmac.compare_digest(
            payload[:DIGEST_BYTES], path_digest(encoded_path)
        ):
            raise IntegrityError("a value is bound to another key path")
        return payload[DIGEST_BYTES:]

    def open(self, encoded_path: bytes, sealed: str) -> tuple[Any, str | None]:
        return decode_scalar(self.open_encoded(encoded_path, sealed))

    def rotate(self, sealed: str, old: ValueCipher) -> str:
        """Re-encrypt under this cipher's key, keeping the payload and the time it was set."""
        match = ENC_RE.match(sealed)
        if match is None:
            raise IntegrityError("not a sealed value")
        try:
            token = MultiFernet([self._fernet, old._fernet]).rotate(match.group(1))
        except InvalidToken:
            raise IntegrityError("a value failed authentication") from None
        return f"ENC[{token.decode('ascii')}]"


def token_time(sealed: str) -> int:
    """When a value was last set: Fernet's timestamp, readable without the key (bytes 1..9)."""
    match = ENC_RE.match(sealed)
    if match is None:
        raise FormatError("not a sealed value")
    try:
        raw = base64.urlsafe_b64decode(match.group(1))
    except ValueError:  # binascii.Error: bad padding in a damaged token
        raise FormatError("a sealed value is damaged (not a Fernet token)") from None
    if len(raw) < 9:
        raise FormatError("a sealed value is damaged (not a Fernet token)")
    return int.from_bytes(raw[1:9], "big")

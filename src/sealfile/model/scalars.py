"""Scalars as the format stores them: a typed value with its YAML style, independent of any parser.

A store turns its parser's scalars into plain Python values plus a style (a string's quoting,
a null's spelling); :func:`encode_scalar` gives the canonical ``tag || text`` bytes that tokens
and the MAC hold (docs/format.md §5).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
from typing import Any

from sealfile.errors import FormatError

ENC_RE = re.compile(r"ENC\[([A-Za-z0-9_\-]+=*)\]\Z")

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

"""What a YAML scalar means to SOPS: yaml.v3's resolver, as ``Decode`` into ``interface{}`` uses it.

SOPS reads its YAML files with yaml.v3, whose plain-scalar rules differ from YAML 1.2 as
ruamel.yaml reads it: ``017`` is octal 15, ``08`` the float 8, ``1_000`` the int 1000,
``2024-5-1`` a time, and an integer past int64 is an unsigned number SOPS cannot walk. For a
value SOPS left in plaintext those rules decide what goes into the MAC, so they are ported here
(yaml.v3 ``resolve.go``) instead of trusting another reader.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass
from typing import Any

from sealfile.errors import FormatError
from sealfile.sops.gonum import INT64_MAX, INT64_MIN, parse_float
from sealfile.sops.gotime import yaml_timestamp
from sealfile.stores.yaml.plain_tags import plain_tag, plain_tag_11

_TAG = "tag:yaml.org,2002:"
STR, BINARY, BOOL, INT, FLOAT, NULL, TIMESTAMP = (f"{_TAG}{name}" for name in (
    "str", "binary", "bool", "int", "float", "null", "timestamp"))
INDICATOR_TAG = f"{_TAG}yaml"
"""The tag YAML readers give a lone ``*``, ``&`` or ``!`` (ruamel's, PyYAML's), which yaml.v3 single-quotes."""
RESOLVABLE = {None, STR, BOOL, INT, FLOAT, NULL, TIMESTAMP}

_KNOWN: dict[str, tuple[str, Any]] = {}
for _value, _tag, _spellings in (
    (True, BOOL, ("true", "True", "TRUE")),
    (False, BOOL, ("false", "False", "FALSE")),
    (None, NULL, ("", "~", "null", "Null", "NULL")),
    (math.nan, FLOAT, (".nan", ".NaN", ".NAN")),
    (math.inf, FLOAT, (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")),
    (-math.inf, FLOAT, ("-.inf", "-.Inf", "-.INF")),
):
    for _spelling in _spellings:
        _KNOWN[_spelling] = (_tag, _value)

_GO_INT = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


@dataclass(frozen=True)
class Unwalkable:
    """A value yaml.v3 reads but SOPS's tree walk refuses (an integer past int64 is a ``uint64``)."""

    reason: str


def _go_int(text: str) -> int | None:
    """``strconv.ParseInt(s, 0, 64)``'s number (range not checked): sign, then 0x/0o/0b/0 prefixes."""
    match = _GO_INT.fullmatch(text)
    if match is None:
        return None
    sign, digits = match.groups()
    lowered = digits.lower()
    if lowered.startswith(("0x", "0o", "0b")):
        value = int(digits[2:], {"x": 16, "o": 8, "b": 2}[lowered[1]])
    elif digits.startswith("0") and len(digits) > 1:
        value = int(digits[1:], 8)
    elif len(digits) > 20:  # past uint64 whatever the digits (and past Python's 4,300-digit int())
        value = 1 << 64
    else:
        value = int(digits)
    return -value if sign == "-" else value


def _number(text: str, tag: str | None) -> tuple[str, Any] | None:
    if tag in (None, TIMESTAMP):
        moment = yaml_timestamp(text)
        if moment is not None:
            return TIMESTAMP, moment
    plain = text.replace("_", "")
    number = _go_int(plain)
    if number is not None and INT64_MIN <= number <= INT64_MAX:
        return INT, number
    if number is not None and not plain.startswith(("-", "+")) and number <= 2**64 - 1:
        return INT, Unwalkable("an integer beyond int64 (SOPS reads it as uint64 and cannot walk it)")
    if _YAML_FLOAT.fullmatch(plain):
        try:
            return FLOAT, parse_float(plain)
        except ValueError:
            return None
    return None


def resolve(text: str, tag: str | None) -> tuple[str, Any]:
    """yaml.v3 ``resolve(tag, in)`` for a plain (or explicitly tagged) scalar: ``(tag, value)``."""
    hint = text[:1]
    if tag not in (STR, BINARY) and (hint == "" or hint in "+-0123456789yYnNtTfFoO~."):
        if text in _KNOWN:
            return _KNOWN[text]
        if hint == ".":
            try:
                return FLOAT, parse_float(text)
            except ValueError:
                pass
        elif hint in "+-0123456789":
            found = _number(text, tag)
            if found is not None:
                return found
    return STR, text


_OLD_BOOL = frozenset(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
                       "n", "N", "no", "No", "NO", "off", "Off", "OFF"])
_BASE_60_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])++(?:\.[0-9_]*)?")


def double_quoted_by_go(text: str) -> bool:
    """Whether yaml.v3 prints this one-line string double-quoted (``encode.go`` ``stringv``): when it
    would read the plain text as another type, or YAML 1.1 would (a base-60 number, an old boolean)."""
    return resolve(text, None)[0] != STR or text in _OLD_BOOL or _BASE_60_FLOAT.fullmatch(text) is not None


def printed_bare_read_otherwise(text: str) -> bool:
    """Whether yaml.v3 (``sops decrypt``) prints this string plain though YAML 1.2 (ruamel.yaml) or 1.1 readers
    read the plain text as another type or refuse it: a float Go cannot hold (``1e400``, ``._5``), a time Go
    does not parse (``2001-12-14 21:59:43.10 -5``), ``=`` and ``<<`` (printed ``!!merge <<``)."""
    if not text.isprintable() or double_quoted_by_go(text):  # a tab or a line break: yaml.v3 quotes it
        return False
    return bool({plain_tag(text), plain_tag_11(text)} - {STR, INDICATOR_TAG})


def _check_tag(asked: str, found: str, value: Any) -> Any:
    if asked == found:
        return value
    if asked == FLOAT and found == INT and isinstance(value, int):
        return float(value)
    raise FormatError(f"a scalar tagged !!{asked.removeprefix(_TAG)} does not read as one")


def scalar_value(text: str, style: str | None, tag: str | None) -> Any:
    """The Go value yaml.v3 decodes from a scalar into ``interface{}``: str, int, float, bool,
    ``None``, :class:`GoTime` or :class:`Unwalkable`. Quoted and block scalars are strings;
    tags other than YAML's standard ones leave the text as a string (as yaml.v3 does)."""
    if tag in (None, "!") and style:
        return text
    if tag == "!":
        return text
    if tag == BINARY:
        try:  # a Go string holds any bytes: those that are not UTF-8 kept, escaped (as a decrypted value's are)
            raw = base64.b64decode(text.replace("\n", "").replace(" ", ""), validate=True)
            return raw.decode("utf-8", "surrogateescape")
        except binascii.Error:
            raise FormatError("a !!binary value is not base64") from None
    if tag not in RESOLVABLE:
        return text
    found, value = resolve(text, tag)
    if tag is None or tag == STR:
        return value
    return _check_tag(tag, found, value)

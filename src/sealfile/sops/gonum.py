"""Numbers and booleans as SOPS's Go code parses and prints them (``strconv``, ``encoding/json``, yaml.v3).

SOPS hashes every value into its MAC in Go's spelling and ``sops decrypt`` prints numbers in
Go's spelling, so reading a SOPS file exactly means speaking Go here: ``strconv.Atoi`` and
``ParseFloat`` for encrypted values, ``FormatFloat`` for the MAC and the output. Python's
``repr`` and Go's shortest formatting pick the same digits (both print the shortest decimal that
reads back as the same float64), so only the layout of those digits is done by hand.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_DECIMAL_INT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_FLOAT = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+")
_SPECIAL_FLOATS = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
                   "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan}
GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def atoi(text: str) -> int:
    """``strconv.Atoi`` on a 64-bit platform: optional sign, decimal digits, int64 range."""
    if not _DECIMAL_INT.fullmatch(text):
        raise ValueError("invalid syntax")
    value = int(text, 10)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError("value out of range")
    return value


def parse_float(text: str) -> float:
    """``strconv.ParseFloat(s, 64)``: decimal or hex literals, ``inf``/``nan`` in any case;
    a finite spelling beyond float64's range is an error (Go's ``ErrRange``)."""
    special = _SPECIAL_FLOATS.get(text.lower())
    if special is not None:
        return special
    if _DECIMAL_FLOAT.fullmatch(text):
        value = float(text)
    elif _HEX_FLOAT.fullmatch(text):
        value = float.fromhex(text)
    else:
        raise ValueError("invalid syntax")
    if math.isinf(value):
        raise ValueError("value out of range")
    return value


def parse_bool(text: str) -> bool:
    """``strconv.ParseBool``."""
    if text in GO_TRUE:
        return True
    if text in GO_FALSE:
        return False
    raise ValueError("invalid syntax")


def _digits(value: float) -> tuple[bool, str, int]:
    """Sign, shortest round-trip digits and decimal-point position (``0.0125`` is ``"125"``, -1)."""
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).lstrip("0")
    if not text:
        return bool(sign), "", 0
    stripped = text.rstrip("0")
    point = len(text) + exponent
    return bool(sign), stripped, point


def _special(value: float) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return None


def _fixed(negative: bool, digits: str, point: int) -> str:
    if not digits:
        whole, fraction = "0", ""
    elif point <= 0:
        whole, fraction = "0", "0" * -point + digits
    elif point >= len(digits):
        whole, fraction = digits + "0" * (point - len(digits)), ""
    else:
        whole, fraction = digits[:point], digits[point:]
    return ("-" if negative else "") + whole + ("." + fraction if fraction else "")


def _exponent(negative: bool, digits: str, point: int) -> str:
    digits = digits or "0"
    exponent = point - 1 if digits != "0" else 0
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sign = "-" if exponent < 0 else "+"
    return f"{'-' if negative else ''}{mantissa}e{sign}{abs(exponent):02d}"


def format_f(value: float) -> str:
    """``strconv.FormatFloat(v, 'f', -1, 64)``: what SOPS encrypts and hashes for a float."""
    return _special(value) or _fixed(*_digits(value))


def format_g(value: float) -> str:
    """``strconv.FormatFloat(v, 'g', -1, 64)``: an exponent below 1e-4 and from 1e6 up."""
    special = _special(value)
    if special is not None:
        return special
    negative, digits, point = _digits(value)
    exponent = point - 1 if digits else 0
    if exponent < -4 or exponent >= 6:
        return _exponent(negative, digits, point)
    return _fixed(negative, digits, point)


def yaml_float(value: float) -> str:
    """How yaml.v3 writes a float64: ``%g`` with YAML's spellings of infinity and NaN."""
    text = format_g(value)
    return {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}.get(text, text)


def json_float(value: float) -> str:
    """How ``encoding/json`` writes a float64: plain from 1e-6 up to 1e21, else ``1e-7``/``1e+21``.

    NaN and infinities have no JSON spelling: Go refuses them (``ValueError`` here)."""
    if _special(value) is not None:
        raise ValueError("NaN and infinities cannot be written as JSON")
    negative, digits, point = _digits(value)
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        text = _exponent(negative, digits, point)
        return re.sub(r"e-0(\d)$", r"e-\1", text)
    return _fixed(negative, digits, point)


def json_keeps_int(value: int) -> bool:
    """Whether SOPS's JSON store, which holds every number as a float64, prints ``value`` back as
    the same integer (exact up to 2**53, and beyond when Go's shortest spelling has those digits)."""
    try:
        return json_float(float(value)) == str(value)
    except OverflowError:
        return False


def reads_as_int(text: str) -> bool:
    """Whether a printed number reads back as an integer in YAML 1.2 and JSON (no point, no exponent)."""
    return bool(_DECIMAL_INT.fullmatch(text))

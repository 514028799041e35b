"""``set --type int|float|bool|null`` reads a value as YAML 1.2 reads it (``--type yaml``, and every reader of the
file): a spelling is taken when YAML reads that type from it, and only then, as the same value."""

from __future__ import annotations

import math
from typing import Any

import pytest

from sealfile.errors import FormatError
from sealfile.ops import change
from sealfile.ops.seal import seal_text
from sealfile.ops.values import parse_value
from sealfile.stores.yaml.scan import scan
from tests.support.identities import AgeIdentity

SPELLINGS = [
    "0", "12", "+12", "-0", "007", "017", "0o17", "0x1F", "-0x10", "0b101", "1_000", " 42 ", "0O17", "0X1F", "0B1",
    "\u0661\u0662", "\uff11\uff12", "1.5", "1.", ".5", "+.5", "1e3", "1E3", "1.0e+3", "1_0.5", "\uff11.\uff15",
    ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "inf", "-inf", "Infinity", "nan", "NaN",
    "true", "True", "TRUE", "tRUE", "false", "yes", "no", "on", "off", "y",
    "", "~", "null", "Null", "NULL", "nULL", "None", "none",
]
TYPES = {"int": (int,), "float": (float, int), "bool": (bool,), "null": (type(None),)}


def _read(text: str, value_type: str) -> Any:
    try:
        return parse_value(text, value_type)
    except FormatError:
        return FormatError


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("value_type", list(TYPES))
@pytest.mark.parametrize("text", SPELLINGS)
def test_a_typed_value_is_what_yaml_reads(text: str, value_type: str) -> None:
    as_yaml = _read(text, "yaml")
    typed = _read(text, value_type)
    if as_yaml is FormatError or type(as_yaml) not in TYPES[value_type] or (
            value_type == "int" and isinstance(as_yaml, bool)):
        assert typed is FormatError, (text, value_type, typed)
    else:
        assert _same(typed, float(as_yaml) if value_type == "float" else as_yaml)



@pytest.mark.parametrize("collection", ["!!omap [a: 1, b: 2]", "!!set {a, b}", "!!pairs [a: 1, a: 2]",
                                        "{a: !!omap [x: 1]}"])
def test_a_value_is_refused_where_a_file_holding_it_is(age_identity: AgeIdentity, collection: str) -> None:
    """``set k --type yaml '!!omap [a: 1]'`` set a mapping; the same text in a file is refused."""
    with pytest.raises(FormatError):
        scan(f"k: {collection}\n")
    sealed = seal_text("a: 1\n", [age_identity.key])
    with pytest.raises(FormatError):
        change.set_value(sealed, "k", parse_value(collection, "yaml", "k"))

"""Plaintexts for SOPS's way in and out, generated over the value spellings where YAML and JSON tools disagree:
times with and without zones, ints in hex, octal and with underscores, YAML 1.1 booleans and nulls, special
floats, ints past 64 bits, astral characters, NUL and line separators, block scalars with each chomping, nested
lists of maps, comments. Each plaintext is text in its syntax, spelled as a person writes it (a Python value
dumped would spell everything one way).

Left out here, each checked in its own fixed test: spellings yaml.v3 (inside SOPS) keeps as strings that YAML
1.1 and 1.2 readers read as another type (``1e400``, ``0xffffffffffffffffff``, ``2001-12-14 21:59:43.10 -5``):
``sops decrypt`` prints them unquoted, so what its output means depends on the reader; a block scalar whose
first line starts with spaces, in a list (yaml.v3 prints its indentation indicator counted from elsewhere than
YAML 1.1 and 1.2 readers count it: they read two spaces fewer); and keys holding a line separator, which
export-sops writes escaped (a raw one is a line break to YAML 1.1 readers).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# no time finer than a microsecond: sealfile refuses those in one line (tests/sops/test_time_refusals.py)
YAML_TIMES = ("2001-12-14t21:59:43.10-05:00", "2001-12-14", "2001-12-14 21:59:43.10", "2001-12-15T02:59:43.1Z",
              "2002-12-14T00:00:00+01:00", "2024-02-29T23:59:59.123456Z", "2001-1-2",
              "1999-01-01T00:00:00.000001Z", "2001-12-14T21:59:43.1234560Z", "2001-12-14  21:59:43")
YAML_INTS = ("0o17", "0x1F", "1_000", "017", "0b101", "+12", "-0", "9223372036854775807", "-9223372036854775808",
             "123456789012345678901234567890", "08", "0x7FFFFFFFFFFFFFFF", "-9223372036854775809")
YAML_FLOATS = (".inf", "-.Inf", ".NaN", "1e3", "6.8523015e+5", "685.230_15e+03", "1.0", "-0.0", ".5", "1.",
               "1.7976931348623157e308", "5e-324", "1e-400", "+.inf", ".NAN", "1e21", "-1.5e-7")
YAML_BOOLS = ("yes", "On", "y", "Yes", "off", "NO", "True", "FALSE", "n", "true")
YAML_NULLS = ("~", "Null", "", "null", "NULL")
YAML_STRINGS = ('"\\U0001F511 astral"', '"nul\\0in"', '"line\\u2028sep"', '"para\\u2029sep"', '"\\x85nel"', "''",
                '""', "'it''s'", '"  lead"', '"x\\n"', '"\\r\\n"', "'2001-12-14'", "'0x1F'", "'yes'", "'~'",
                "'1e3'", "'.inf'", '"\\t"', "plain text", '"a: b"', "'#hash'", "x" * 3000, "'" + "y " * 1500 + "'",
                "caf\u00e9 \u65e5\u672c \U0001F511", "' '", "'x '", '"x\\n\\n"', '"\\ufeffbom"',
                '"trail \\nline"', '"\\u00a0nb"', "1:20", "190:20:30", "1:20.5", "'@at'", "'`bt'", "'%x'")
YAML_BLOCKS = ("|+\n  keep\n\n", "|-\n  strip\n", ">\n  folded\n  text\n\n", ">-\n  f2\n  t2\n",
               "|\n  last\n", ">+\n  keep\n  more\n\n\n", "|\n  \U0001F511\n  \u00e9 inside\n",
               "|-\n\n\n", "|\n  trailing   \n  x\n",
               ">-\n  a\n   b\n  c\n")
YAML_KEYS = ("k", "password", '"1"', '"true"', '"yes"', '"~"', '"a.b"', '"2001-12-14"', '"0x10"', '"null"',
             "\u65e5\u672c", '"with space"', '"on"', "'-'", "'a: b'", "'#k'", "' lead'", "\U0001F511", "'k,l'",
             "'[x]'")

JSON_NUMBERS = ("1e3", "6.8523015e+5", "1E-7", "-0.0", "-0", "1.0", "123456789012345678901234567890",
                "9007199254740993", "-9223372036854775809", "0.1", "1e21", "5e-324", "17", "0")
JSON_STRINGS = ('"\\ud83d\\udd11"', '"nul\\u0000x"', '"\\u2028"', '""', '"2001-12-14"', '"x\\ny"', '"\\u0001"',
                '"\\/"', '"\\u007f"', '"yes"', '"0x1F"', '"~"', '"1e400"', '"2001-12-14 21:59:43.10 -5"',
                '"' + "z" * 3000 + '"', "true", "false", "null")
JSON_KEYS = ('"k"', '""', '"a\\u0000b"', '"\\ud83d\\udd11"', '"true"', '"1"', '"a.b"', '"yes"')

DOTENV_VALUES = ("2001-12-14", "0x1F", "yes", "", "~", "1e3", "with space", '"quoted"', "a=b", "\\n", "#notcomment",
                 "caf\u00e9", "\U0001F511", "  spaced  ", "x#y", "'single'", "1e400", "null", "\u2029")
DOTENV_NAMES = ("A", "DB_PASS", "_x", "a.b", "k-1", "TOKEN2")


def _yaml_scalar() -> st.SearchStrategy[str]:
    return st.sampled_from(YAML_TIMES + YAML_INTS + YAML_FLOATS + YAML_BOOLS + YAML_NULLS + YAML_STRINGS
                           + YAML_BLOCKS)


def _json_scalar() -> st.SearchStrategy[str]:
    return st.sampled_from(JSON_NUMBERS + JSON_STRINGS)


def _tree(scalar: st.SearchStrategy[str], keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """A scalar's spelling, or a list or mapping of trees (mappings as lists of pairs: a spelling is its text)."""
    return st.recursive(scalar, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.sampled_from(keys), inner, max_size=3).map(lambda d: list(d.items())),
                        max_leaves=8)


def _is_mapping(node: Any) -> bool:
    return isinstance(node, list) and all(isinstance(item, tuple) for item in node) and bool(node)


def _yaml_value(node: Any, indent: int, comments: bool) -> str:
    """What follows ``key:`` or ``-``: a scalar on its line (a block scalar's lines indented below), or the
    node's lines below it."""
    pad = " " * indent
    if isinstance(node, str):
        lines = node.split("\n")
        trailing = " # note" if comments and len(lines) == 1 and node else ""
        return " " + lines[0] + trailing + "".join("\n" + (pad + line if line else "") for line in lines[1:]) \
            + ("" if len(lines) > 1 else "\n")
    if not node:
        return " []\n"
    if _is_mapping(node):
        return "\n" + yaml_mapping(node, indent + 2, comments)
    return "\n" + "".join(f"{pad}  -{_yaml_value(item, indent + 4, comments)}" for item in node)


def yaml_mapping(pairs: list[tuple[str, Any]], indent: int = 0, comments: bool = False) -> str:
    pad = " " * indent
    return "".join((f"{pad}# about {index}\n" if comments and index % 2 == 0 else "")
                   + f"{pad}{key}:{_yaml_value(value, indent, comments)}" for index, (key, value) in enumerate(pairs))


def json_text(node: Any) -> str:
    if isinstance(node, str):
        return node
    if _is_mapping(node):
        return "{" + ", ".join(f"{key}: {json_text(value)}" for key, value in node) + "}"
    return "[" + ", ".join(json_text(item) for item in node) + "]"


def _distinct_top(pairs: dict[str, Any]) -> list[tuple[str, Any]]:
    return list(pairs.items())


YAML_DOCUMENTS = st.builds(
    yaml_mapping, st.dictionaries(st.sampled_from(YAML_KEYS), _tree(_yaml_scalar(), YAML_KEYS), min_size=1,
                                  max_size=8).map(_distinct_top), st.just(0), st.booleans())
JSON_DOCUMENTS = st.dictionaries(st.sampled_from(JSON_KEYS), _tree(_json_scalar(), JSON_KEYS), min_size=1,
                                 max_size=8).map(lambda d: json_text(list(d.items())) + "\n")
DOTENV_DOCUMENTS = st.dictionaries(st.sampled_from(DOTENV_NAMES), st.sampled_from(DOTENV_VALUES), min_size=1,
                                   max_size=6).map(lambda d: "".join(f"{k}={v}\n" for k, v in d.items()))

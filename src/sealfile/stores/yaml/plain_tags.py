"""The tag a plain scalar resolves to under YAML 1.2 as ruamel.yaml reads it (and under YAML 1.1, which
sealfile avoids writing a string that older readers would take for another type), without loading ruamel.

The rows are ruamel's own implicit resolvers, copied with their patterns, flags and order (the first
match wins among the rows a scalar's first character selects): the line scan (:mod:`.fastscan`) and the
scalar spelling (:mod:`.scalars`) decide with them before ruamel is loaded, and ruamel's parser uses
the same rows. ``tests/stores/yaml/test_plain_tags.py`` checks that these tables are ruamel's, row for
row, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sealfile.model.lazy_pattern import compiled_when_used

STR_TAG = "tag:yaml.org,2002:str"
INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
"""Characters a plain scalar does not start with here (YAML allows some when a non-space follows)."""

_ROWS: tuple[tuple[str, str, int, str], ...] = (
    ("tag:yaml.org,2002:bool", "^(?:true|True|TRUE|false|False|FALSE)$", re.X, "tTfF"),
    ("tag:yaml.org,2002:float", """^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$""", re.X, "-+0123456789."),
    ("tag:yaml.org,2002:int", """^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""", re.X, "-+0123456789"),
    ("tag:yaml.org,2002:merge", "^(?:<<)$", 0, "<"),
    ("tag:yaml.org,2002:null", """^(?: ~
        |null|Null|NULL
        | )$""", re.X, "~nN\0"),
    ("tag:yaml.org,2002:timestamp", """^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \\t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\\.[0-9]*)?
        (?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", re.X, "0123456789"),
    ("tag:yaml.org,2002:value", "^(?:=)$", 0, "="),
    ("tag:yaml.org,2002:yaml", "^(?:!|&|\\*)$", 0, "!&*"),
)
"""``(tag, pattern, flags, first characters)``; ``\\0`` stands for the empty scalar, which ruamel keys as ``""``."""

_ROWS_11: tuple[tuple[str, str, int, str], ...] = (
    ("tag:yaml.org,2002:bool", """^(?:y|Y|yes|Yes|YES|n|N|no|No|NO
        |true|True|TRUE|false|False|FALSE
        |on|On|ON|off|Off|OFF)$""", re.X, "yYnNtTfFoO"),
    ("tag:yaml.org,2002:float", """^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*  # sexagesimal float
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$""", re.X, "-+0123456789."),
    ("tag:yaml.org,2002:int", """^(?:[-+]?0b[0-1_]+
        |[-+]?0?[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+
        |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""", re.X, "-+0123456789"),
    *_ROWS[3:],
)
"""YAML 1.1's rows: other booleans, floats and integers; the rest as 1.2's."""


Table = dict[str, list[tuple[str, Callable[[], re.Pattern[str]]]]]


def _by_first(rows: tuple[tuple[str, str, int, str], ...]) -> Table:
    """First character (``""`` for an empty scalar) -> the rows to try, in ruamel's order, each
    pattern compiled when first used (most commands meet few of them)."""
    table: Table = {}
    for tag, pattern, flags, firsts in rows:
        compiled = compiled_when_used(pattern, flags)
        for first in firsts:
            table.setdefault("" if first == "\0" else first, []).append((tag, compiled))
    return table


BY_FIRST = _by_first(_ROWS)
BY_FIRST_11 = _by_first(_ROWS_11)

TYPED_FIRST = frozenset(BY_FIRST)
"""First characters some implicit type can start with: a plain scalar starting with any other is a string."""


def plain_tag(text: str) -> str:
    """The tag of the plain scalar ``text`` (YAML 1.2)."""
    return _tag(BY_FIRST, text)


def plain_tag_11(text: str) -> str:
    """The tag a YAML 1.1 reader gives the plain scalar ``text`` (ruamel's 1.1 rules: a superset of PyYAML's)."""
    return _tag(BY_FIRST_11, text)


def _tag(table: Table, text: str) -> str:
    for tag, pattern in table.get(text[:1], ()):
        if pattern().match(text):
            return tag
    return STR_TAG

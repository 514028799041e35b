"""The plain scalar rules sealfile applies without loading ruamel (stores/yaml/plain_tags.py) are ruamel's own."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml.nodes import ScalarNode

from sealfile.stores.yaml import plain_tags
from sealfile.stores.yaml.engines import OnceVersionResolver, tag_text


def _rows(table: dict[str, list[tuple[str, Any]]], compiled: Callable[[Any], re.Pattern[str]]
          ) -> dict[str, list[tuple[str, str, int]]]:
    return {first: [(tag, compiled(pattern).pattern, compiled(pattern).flags) for tag, pattern in rows]
            for first, rows in table.items()}


def test_the_tables_are_ruamel_s_row_for_row() -> None:
    for version, mine in (((1, 2), plain_tags.BY_FIRST), ((1, 1), plain_tags.BY_FIRST_11)):
        theirs = OnceVersionResolver(version=version, remember=False).versioned_resolver
        assert _rows(mine, lambda made: made()) == _rows(theirs, lambda pattern: pattern), version
    assert frozenset(OnceVersionResolver(remember=False).versioned_resolver) == plain_tags.TYPED_FIRST


_SPELLINGS = st.text(alphabet="0123456789.-+_:eExXoObBaA~nNulLtTrRfFsSyY<=!&* \t", max_size=12)


@given(_SPELLINGS)
def test_a_plain_scalar_gets_the_tag_ruamel_s_resolver_gives(text: str) -> None:
    for version, tag_of in (((1, 2), plain_tags.plain_tag), ((1, 1), plain_tags.plain_tag_11)):
        resolver = OnceVersionResolver(version=version, remember=False)
        assert tag_of(text) == tag_text(resolver.resolve(ScalarNode, text, (True, False))), version


def test_named_spellings() -> None:
    expect = {"2": "int", "0x1f": "int", "1_000": "int", "1.5": "float", ".inf": "float", "true": "bool",
              "yes": "str", "~": "null", "": "null", "2001-01-01": "timestamp", "<<": "merge", "=": "value",
              "age1abc": "str", "12:30": "str", "0o17": "int"}
    assert {text: plain_tags.plain_tag(text).rsplit(":", 1)[1] for text in expect} == expect
    assert plain_tags.plain_tag_11("yes").endswith("bool") and plain_tags.plain_tag_11("12:30").endswith("int")

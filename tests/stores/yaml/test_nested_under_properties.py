"""A nested subtree added to a block collection whose anchor or tag stands on its own line (yaml-test-suite
SKE5: ``seq:`` / `` &anchor`` / ``- a``) is written at the file's indentation and reads back as it was set.

The line holding only a node's properties says nothing of the indentation of its entries: read as the
indentation of a nested mapping (one space), it had the emitter write an item's nested lines left of its text.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from ruamel.yaml import YAML

from sealfile.ops.change import set_value
from sealfile.ops.read import decrypt_text
from sealfile.stores.yaml import edit
from sealfile.stores.yaml.layout import Layout, guess_layout
from sealfile.stores.yaml.scan import scan
from tests.support.fast_path import age_key, seal

__all__ = ["age_key"]

_PROPERTIES = ["&a", "!!{kind}", "&a !!{kind}", "&a # note", "!!{kind} # note"]
_NESTED: list[Any] = [{"x": [1, "two", {"y": None}]}, {"m": {"n": "o: p"}}, [[1, [2]], {"k": "v"}],
                      [{"a": {"b": [1]}}], {"s": "two\nlines"}]
# (parent, text with the properties on their own line, key path of a new entry, where its value reads back)
_PARENTS = [
    *(("list", f"---\nseq:\n{' ' * at}{{p}}\n{' ' * dash}- a\n{' ' * dash}- b\nz: 1\n", "seq[2]", ("seq", 2))
      for at, dash in [(1, 0), (2, 0), (2, 2), (1, 2), (4, 2)]),
    *(("map", f"m:\n{' ' * at}{{p}}\n{' ' * key}x: 1\nz: 1\n", "m.new", ("m", "new"))
      for at, key in [(1, 2), (2, 2), (1, 1), (4, 4)]),
    *(("list", f"l:\n- {{p}}\n{' ' * dash}- a\n", "l[0][1]", ("l", 0, 1)) for dash in [2, 4]),
    *(("map", f"l:\n- {{p}}\n{' ' * key}x: 1\n", "l[0].new", ("l", 0, "new")) for key in [2, 4]),
]
_CASES = [pytest.param(parent.format(p=props.format(kind="seq" if kind == "list" else "map")).replace("\n", brk),
                       keypath, where, value, id=f"{kind}-{index}-{props}-{'crlf' if brk != chr(10) else 'lf'}-{n}")
          for (index, (kind, parent, keypath, where)), props, brk, (n, value)
          in itertools.product(enumerate(_PARENTS), _PROPERTIES, ["\n", "\r\n"], enumerate(_NESTED))]


def _at(data: Any, where: tuple[Any, ...]) -> Any:
    for step in where:
        data = data[step]
    return data


@pytest.mark.parametrize(("text", "keypath", "where", "value"), _CASES)
def test_a_nested_value_added_under_properties_on_their_own_line_reads_back(
        text: str, keypath: str, where: tuple[Any, ...], value: Any) -> None:
    changed = edit.set_value(text, scan(text), keypath, value)
    assert _at(YAML(typ="safe", pure=True).load(changed), where) == value  # a reader apart from sealfile's
    assert changed.startswith(text[:text.rindex("\n") - 5])
    brk = "\r\n" if "\r\n" in text else "\n"
    assert changed.count(brk) == changed.count("\n")


@pytest.mark.parametrize(("text", "layout"), [
    ("seq:\n &anchor\n- a\n", Layout(2, 2, 0)),
    ("m:\n &a\n    x: 1\n", Layout(4, 4, 0)),
    ("m:\n  !!map # note\n    x: 1\n", Layout(4, 4, 0)),
    ("m: # note\n   x: 1\n", Layout(3, 3, 0)),
    ("m:\n &a\n   - x\n", Layout(2, 5, 3)),
    ("m:\n x: 1\n", Layout(1, 2, 0)),  # a dash and its space need two columns, whatever the mappings use
])
def test_the_layout_is_read_from_entries_not_from_properties_or_comments(text: str, layout: Layout) -> None:
    assert guess_layout(text) == layout


def test_the_reported_file_takes_a_nested_item(age_key: Any) -> None:
    sealed = seal("---\nseq:\n &anchor\n- a\n- b\n", age_key)
    changed = set_value(set_value(sealed, "seq[2]", {"x": [1, "two", {"y": None}]}), "seq[3]", {"m": {"n": "o: p"}})
    assert decrypt_text(changed) == ('---\nseq:\n &anchor\n- a\n- b\n- x:\n  - 1\n  - two\n  - "y":\n'
                                     '- m:\n    "n": "o: p"\n')

"""Structural edits of a YAML text (set a subtree, add a key, remove one) find where a mapping's
entry starts: at its key, or at the ``?`` of an explicit key, whose value is on the next line."""

from __future__ import annotations

from typing import Any

import pytest

from sealfile.stores.yaml import edit
from sealfile.stores.yaml.scan import scan


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    ("a: 1\n? b\n: 2\nc: 3\n", "b", "a: 1\nc: 3\n"),
    ("a: 1\n? b\n: 2\n", "b", "a: 1\n"),
    ("x:\n  ? b\n  : 2\n  c: 3\n", "x.b", "x:\n  c: 3\n"),
    ("x:\n  - ? b\n    : 2\n    c: 3\n", "x.0.b", "x:\n  - c: 3\n"),
    ("x:\n  - a: 1\n    ? b\n    : 2\n", "x.0.a", "x:\n  - ? b\n    : 2\n"),
    ("? b # note\n: 2\n? c\n:   3\n", "b", "? c\n:   3\n"),
])
def test_an_explicit_key_is_removed_with_its_question_mark(text: str, keypath: str, expected: str) -> None:
    assert edit.remove(text, scan(text), keypath) == expected


@pytest.mark.parametrize(("text", "keypath", "value", "expected"), [
    ("a: 1\n? b\n: 2\nc: 3\n", "b", {"x": 1}, "a: 1\nb:\n  x: 1\nc: 3\n"),
    ("x:\n  ? b\n  : 2\n", "x.b", ["p"], "x:\n  b:\n  - p\n"),
    ("x:\n  ? b\n  : 2\n", "x.d", 1, "x:\n  ? b\n  : 2\n  d: 1\n"),
])
def test_a_subtree_or_a_new_key_next_to_an_explicit_key_is_at_its_column(
        text: str, keypath: str, value: Any, expected: str) -> None:
    assert edit.set_value(text, scan(text), keypath, value) == expected


def test_a_new_first_key_before_an_explicit_key_is_at_its_column() -> None:
    text = "x:\n  ? b\n  : 2\n"
    assert edit.set_value(text, scan(text), "x.a", 1, after=edit.FIRST) == "x:\n  a: 1\n  ? b\n  : 2\n"

"""A structural edit's text is refused unless it reads as the data before it with that one change."""

from __future__ import annotations

import pytest

from sealfile.errors import KeyPathError
from sealfile.model.scalars import same_data
from sealfile.stores.yaml.edit import FIRST, set_value
from sealfile.stores.yaml.intended import changed_tree, checked
from sealfile.stores.yaml.scan import scan


def test_only_the_containers_along_the_path_are_copied() -> None:
    tree = {"a": {"b": [1, 2]}, "c": {"d": 3}}
    changed = changed_tree(tree, ("a", "b"), lambda node: node.append(9))
    assert changed == {"a": {"b": [1, 2, 9]}, "c": {"d": 3}}
    assert tree == {"a": {"b": [1, 2]}, "c": {"d": 3}}
    assert changed["c"] is tree["c"]


@pytest.mark.parametrize(("text", "keypath", "message"), [
    # a new item read as the old one's continuation: named where the text reads otherwise
    ("a:\n  - x\n    - z\n", "a.0", "in the edited text the value written there reads back as another string"),
    ("a:\n  - x\n - z\n", "a.1", "invalid YAML"),
])
def test_an_edit_that_means_otherwise_is_refused_naming_the_key_path(text: str, keypath: str, message: str) -> None:
    with pytest.raises(KeyPathError, match=message) as refused:
        checked(text, {"a": ["x", "z"]}, "a.1")
    assert refused.value.keypath == keypath


def test_an_edit_that_means_what_it_should_is_kept() -> None:
    assert checked("a:\n  - x\n  - z\n", {"a": ["x", "z"]}, "a.1") == "a:\n  - x\n  - z\n"


@pytest.mark.parametrize(("text", "after", "expected"), [
    # a new multi-line value placed after a value with a comment indented under it
    ("a: x\n  # note\nb: 2\n", "a", {"a": "x", "zz": "multi\nline\n", "b": 2}),
    ("a:\n  n: 1\n  # note\nb: 2\n", "a", {"a": {"n": 1}, "zz": "multi\nline\n", "b": 2}),
    # placed last in a text without a final line break: a literal block would lose its own
    ("a: 1 # c\nb: 2", "b", {"a": 1, "b": 2, "zz": "multi\nline\n"}),
    ("a: 1\nb: 2\n", FIRST, {"zz": "multi\nline\n", "a": 1, "b": 2}),
])
def test_a_key_placed_among_others_reads_as_intended(text: str, after: object, expected: dict[str, object]) -> None:
    """The merge driver places a new key after a given one; that edit is checked like any other
    (the first three wrote other data: the comment became text of the new value, or its line break
    went missing)."""
    edited = set_value(text, scan(text), "zz", "multi\nline\n", after=after)
    assert same_data(scan(edited).tree, expected)

"""A structural edit's text is refused unless it reads as the data before it with that one change."""

from __future__ import annotations

import pytest

from sealfile.errors import KeyPathError
from sealfile.stores.yaml.intended import changed_tree, checked


def test_only_the_containers_along_the_path_are_copied() -> None:
    tree = {"a": {"b": [1, 2]}, "c": {"d": 3}}
    changed = changed_tree(tree, ("a", "b"), lambda node: node.append(9))
    assert changed == {"a": {"b": [1, 2, 9]}, "c": {"d": 3}}
    assert tree == {"a": {"b": [1, 2]}, "c": {"d": 3}}
    assert changed["c"] is tree["c"]


@pytest.mark.parametrize(("text", "message"), [
    ("a:\n  - x\n    - z\n", "would hold other data"),   # a new item read as the old one's continuation
    ("a:\n  - x\n - z\n", "invalid YAML"),
])
def test_an_edit_that_means_otherwise_is_refused_naming_the_key_path(text: str, message: str) -> None:
    with pytest.raises(KeyPathError, match=message) as refused:
        checked(text, {"a": ["x", "z"]}, "a.1")
    assert refused.value.keypath == "a.1"


def test_an_edit_that_means_what_it_should_is_kept() -> None:
    assert checked("a:\n  - x\n  - z\n", {"a": ["x", "z"]}, "a.1") == "a:\n  - x\n  - z\n"

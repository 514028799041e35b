"""One key-path meaning for every verb: integer, boolean and string keys never stand in for each other."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.errors import KeyPathError
from sealfile.gitflow.merge import merge_texts
from sealfile.model.paths import ListIndex, format_keypath, parse_keypath, resolve
from sealfile.ops.change import set_value, unset_value
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity

FLAGS = "flags:\n  true: on-value\n  2: two-value\n  \"3\": three-value\nlist: [a, b]\n"


def _data(sealed: str) -> object:
    return read_document(sealed, get_store("yaml")).open().data()


@pytest.fixture
def sealed(age_identity: AgeIdentity) -> str:
    return seal_text(FLAGS, [age_identity.key])


def test_extract_names_each_key_by_its_own_spelling(sealed: str) -> None:
    assert decrypt_text(sealed, extract="flags.true") == "on-value"
    assert decrypt_text(sealed, extract="flags.2") == "two-value"
    assert decrypt_text(sealed, extract="flags.3") == "three-value"
    assert decrypt_text(sealed, extract='["flags"][true]') == "on-value"
    assert decrypt_text(sealed, extract='["flags"][2]') == "two-value"
    assert decrypt_text(sealed, extract='["flags"]["3"]') == "three-value"


@pytest.mark.parametrize("keypath", ["flags.1", '["flags"][1]', '["flags"]["2"]', '["flags"][3]', '["flags"]["true"]'])
def test_no_key_answers_for_another_type(sealed: str, keypath: str) -> None:
    with pytest.raises(KeyPathError, match="no such key"):
        decrypt_text(sealed, extract=keypath)
    with pytest.raises(KeyPathError):
        unset_value(sealed, keypath)


def test_set_replaces_the_key_it_names_and_verifies(sealed: str) -> None:
    for keypath, value in [("flags.true", "new-on"), ("flags.2", "new-two"), ("flags.3", "new-three")]:
        sealed = set_value(sealed, keypath, value)
        verify_text(sealed)
    assert _data(sealed) == {"flags": {True: "new-on", 2: "new-two", "3": "new-three"}, "list": ["a", "b"]}


def test_set_of_a_missing_key_adds_a_string_key_next_to_the_others(sealed: str) -> None:
    """``flags.1`` names no key here (``true`` is a boolean): a new string key, not a tamper report."""
    changed = set_value(sealed, "flags.1", "one")
    verify_text(changed)
    assert _data(changed)["flags"] == {True: "on-value", 2: "two-value", "3": "three-value", "1": "one"}


def test_unset_removes_exactly_the_key_it_names(sealed: str) -> None:
    changed = unset_value(sealed, "flags.true")
    assert _data(changed)["flags"] == {2: "two-value", "3": "three-value"}
    changed = unset_value(sealed, '["flags"]["3"]')
    assert _data(changed)["flags"] == {True: "on-value", 2: "two-value"}


def test_a_dotted_segment_naming_two_keys_is_ambiguous(age_identity: AgeIdentity) -> None:
    sealed = seal_text('m:\n  1: int-key\n  "1": str-key\n', [age_identity.key])
    with pytest.raises(KeyPathError, match="several types"):
        decrypt_text(sealed, extract="m.1")
    assert decrypt_text(sealed, extract='["m"]["1"]') == "str-key"
    assert decrypt_text(sealed, extract='["m"][1]') == "int-key"


def test_merge_keeps_the_keys_apart(sealed: str) -> None:
    ours = set_value(sealed, "flags.true", "ours-on")
    theirs = set_value(sealed, "flags.2", "theirs-two")
    merged = merge_texts(sealed, ours, theirs)
    assert merged.conflicts == []
    assert _data(merged.text)["flags"] == {True: "ours-on", 2: "theirs-two", "3": "three-value"}


def test_the_resolver_is_the_one_every_verb_uses() -> None:
    tree = {"flags": {True: 1, 2: 2, "3": 3}, "list": ["x"]}
    assert resolve(tree, parse_keypath("flags.true")) == ("flags", True)
    assert resolve(tree, "list.0") == ("list", 0)
    with pytest.raises(KeyPathError):
        resolve(tree, "list.x")


@pytest.mark.parametrize("segment", ["\u00b2", "\u2460", "x"])
def test_a_list_index_that_is_no_number_is_a_key_path_error(segment: str) -> None:
    """A superscript two or a circled one is a digit to ``str.isdigit`` but no integer: refused, not a crash."""
    with pytest.raises(KeyPathError, match="a list is indexed by a number"):
        resolve({"list": ["x", "y"]}, f"list.{segment}")


@pytest.mark.parametrize("keypath", ["list.-1", "list[-1]", "list.-3"])
def test_a_negative_list_index_is_named_as_one(keypath: str) -> None:
    """``-1`` is a number: the cause is that indexes count from 0, not that a number was wanted."""
    with pytest.raises(KeyPathError, match=r": no such list index \(list indexes count from 0, not from the end: the "
                                           r"list holds 2 items\)$"):
        resolve({"list": ["x", "y"]}, keypath)


def test_a_decimal_digit_of_any_script_indexes_a_list() -> None:
    """``-?\\d+`` names a number in a dotted path (the grammar's rule), Arabic-Indic digits included."""
    assert resolve({"list": ["x", "y"]}, "list.\u0661") == ("list", 1)


SEGMENTS = st.one_of(st.text(max_size=6), st.integers(min_value=-3, max_value=3), st.booleans())


@settings(max_examples=200, deadline=None)
@given(path=st.lists(st.one_of(SEGMENTS, st.integers(min_value=0, max_value=2).map(ListIndex)), min_size=1,
                     max_size=4))
def test_every_shown_key_path_reads_back_as_the_same_path(path: list[object]) -> None:
    """What errors and reviews show is what the user types back: the same typed path, also when
    dotted and bracketed segments meet (a list index before an integer key, ``0[1]``, used to
    read as one dotted key)."""
    tree: object = "leaf"
    for segment in reversed(path):
        tree = [*([None] * int(segment)), tree] if isinstance(segment, ListIndex) else {segment: tree}
    assert resolve(tree, format_keypath(tuple(path))) == tuple(path)  # type: ignore[arg-type]

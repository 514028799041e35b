"""Where two data trees differ and how: the words a refused write uses, never a value."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sealfile.model.differences import described_difference, first_difference, kind_in_words
from sealfile.model.paths import ListIndex

CASES = [
    ({"a": [1, "x"]}, {"a": [1, 2]}, "a.1", "reads back as a string, not an integer"),
    ({"a": "s"}, {"a": "t"}, "a", "reads back as another string"),
    ({"a": 1.0}, {"a": 1}, "a", "reads back as a number with a fraction, not an integer"),
    ({"a": True}, {"a": 1}, "a", "reads back as a boolean, not an integer"),
    ({"a": None}, {"a": ""}, "a", "reads back as empty (null), not a string"),
    ({"a": dt.date(2020, 1, 2)}, {"a": "2020-01-02"}, "a", "reads back as a date, not a string"),
    ({"b": 2, "a": 1}, {"a": 1, "b": 2}, "a", "the keys read back in another order"),
    ({"a": 1}, {"a": 1, "b": 2}, "b", "this key is missing"),
    ({"a": 1, "c": 2}, {"a": 1}, "c", "this key reads back but is not meant to be there"),
    ({1: "x"}, {"1": "x"}, '["1"]', "this key is missing"),
    ({"l": [1]}, {"l": [1, 2]}, "l", "the list there reads back with 1 entries, not 2"),
    ({"m": {"k": "v"}}, {"m": ["v"]}, "m", "reads back as a mapping, not a list"),
    ([{"x": 1}], [{"x": 1, "y": 2}], "0.y", "this key is missing"),
    ("a", 1, "(top level)", "reads back as a string, not an integer"),
]


@pytest.mark.parametrize(("read", "intended", "where", "cause"), CASES, ids=[case[3] for case in CASES])
def test_the_first_difference_is_named_by_key_path_and_kind(read: Any, intended: Any, where: str,
                                                            cause: str) -> None:
    found_where, found_cause = described_difference(read, intended)
    assert (found_where, cause in found_cause) == (where, True), found_cause
    assert "'" not in found_cause and '"' not in found_cause  # words, never a quoted value


def test_the_same_data_has_no_difference() -> None:
    tree = {"a": [1, {"b": float("nan")}], "c": None, 1: True}
    assert first_difference(tree, {"a": [1, {"b": float("nan")}], "c": None, 1: True}) is None


def test_the_path_starts_under_the_place_given() -> None:
    assert first_difference([0, 1], [0, 2], ("top",)) == (("top", ListIndex(1)), "the value written there reads "
                                                          "back as another integer")


def test_a_kind_is_named_in_words() -> None:
    assert [kind_in_words(v) for v in (None, 1, True, "", b"", [], {}, dt.datetime(2020, 1, 1))] == [
        "empty (null)", "an integer", "a boolean", "a string", "binary data", "a list", "a mapping", "a datetime"]

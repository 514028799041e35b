"""A value's payload decoded with its style or without: the same value either way."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.model.paths import ListIndex
from sealfile.model.rules import EncryptionRules, RuleMemo
from sealfile.model.scalars import NULL_SPELLINGS, STRING_STYLES, decode_scalar, decode_value, encode_scalar, same_data

SCALARS = st.one_of(
    st.text(), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False),
    st.datetimes(), st.dates(), st.binary(max_size=20),
)
STYLES = st.sampled_from([*STRING_STYLES.values(), *NULL_SPELLINGS])


@settings(max_examples=200, deadline=None)
@given(SCALARS, STYLES)
def test_decode_value_is_decode_scalars_value(value: object, style: str | None) -> None:
    encoded = encode_scalar(value, style)
    assert same_data(decode_value(encoded), decode_scalar(encoded).value)
    assert type(decode_value(encoded)) is type(decode_scalar(encoded).value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=4), st.integers(0, 3)), st.one_of(st.text(max_size=4), st.integers(0, 3),
                                                                  st.booleans()))
def test_strings_compare_as_their_encodings_do(a: object, b: object) -> None:
    assert same_data(a, b) == (encode_scalar(a) == encode_scalar(b))


EDGE_SCALARS = st.one_of(
    st.sampled_from([0, 1, True, False, 1.0, 0.0, -0.0, float("nan"), float("inf"), None, "", "1", "true", "null"]),
    st.integers(-2, 2), st.text(max_size=2), st.floats(), st.dates())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(EDGE_SCALARS, EDGE_SCALARS), min_size=1, max_size=4))
def test_values_inside_containers_compare_as_their_encodings_do(pairs: list[tuple[object, object]]) -> None:
    """In a list or mapping as on their own: ``1``, ``True``, ``1.0`` differ, NaN is NaN, ``-0.0`` is not ``0.0``."""
    these, those = [a for a, _ in pairs], [b for _, b in pairs]
    same = all(encode_scalar(a) == encode_scalar(b) for a, b in pairs)
    assert same_data(these, those) == same
    assert same_data({f"k{i}": a for i, a in enumerate(these)}, {f"k{i}": b for i, b in enumerate(those)}) == same
    assert same_data({"outer": [these]}, {"outer": [those]}) == same


@pytest.mark.parametrize(("a", "b", "same"), [
    (float("nan"), float("nan"), True), (0.0, -0.0, False), (1, True, False), (1, 1.0, False), (0, False, False),
    (None, None, True), ("1", 1, False), (1.5, 1.5, True), (2, 2, True)])
def test_the_edge_values_inside_containers(a: object, b: object, same: bool) -> None:
    assert same_data([a], [b]) is same and same_data({"k": a}, {"k": b}) is same and same_data(a, b) is same


_SEGMENT = st.one_of(st.sampled_from(["a", "a_unencrypted", "pass", "x"]), st.integers(0, 2), st.booleans(),
                    st.integers(0, 2).map(ListIndex))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["unencrypted_suffix", "encrypted_regex", "unencrypted_regex"]),
       st.lists(st.lists(_SEGMENT, min_size=1, max_size=4), min_size=1, max_size=8))
def test_the_rule_memo_answers_as_the_rules_do(kind: str, paths: list[list[object]]) -> None:
    """Places in one container (one per distinct ``path[:-1]``) share its answer; each answer is the rules'."""
    rules = EncryptionRules(kind, "_unencrypted" if kind == "unencrypted_suffix" else "^(pass|a)$")
    containers: dict[tuple[object, ...], object] = {}
    places = [SimpleNamespace(path=tuple(path), parent=containers.setdefault(tuple(path[:-1]), object()))
              for path in paths]
    expected = [rules.encrypts(tuple(path)) for path in paths]  # type: ignore[arg-type]
    memo = RuleMemo(rules)
    assert memo.each(places) == expected
    assert memo.each(places[::-1]) == expected[::-1]  # remembered answers, in any order


@pytest.mark.parametrize("kind", ["unencrypted_suffix", "encrypted_regex"])
def test_the_rule_memo_keeps_types_and_depth_apart(kind: str) -> None:
    """Keys equal in Python (``1``, ``True``, ``ListIndex(1)``) share an answer and a string never does; a parent
    path deeper than the memo keeps (the memo starts again) and thousands of parents answer as the rules do."""
    rules = EncryptionRules(kind, "_unencrypted" if kind == "unencrypted_suffix" else "^(1|a_unencrypted)$")
    deep = ("a_unencrypted", *(f"k{depth}" for depth in range(5000)))
    paths = [("1", 1), (1, "1"), (True, "x"), (ListIndex(1), "1"), ("1", "x"), ("a_unencrypted", 1),
             *[(*deep[:depth], "x") for depth in (4999, 3, 4998)],
             *[("p", f"c{i}", "a_unencrypted") for i in range(5000)], *[("p", f"c{i}", "x") for i in range(10)]]
    places = [SimpleNamespace(path=path, parent=object()) for path in paths]
    assert RuleMemo(rules).each(places) == [rules.encrypts(path) for path in paths]  # type: ignore[arg-type]


def test_a_datetime_decodes_the_same() -> None:
    moment = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC)
    assert decode_value(encode_scalar(moment)) == moment


_UTC, _PLUS_ONE = dt.UTC, dt.timezone(dt.timedelta(hours=1))
HASHABLE_EDGES = st.one_of(
    st.sampled_from([0, 1, True, False, 1.0, 0.0, -0.0, None, "", "1", b"1",
                     dt.datetime(2024, 1, 1, tzinfo=_UTC), dt.datetime(2024, 1, 1, 1, tzinfo=_PLUS_ONE),
                     dt.datetime(2024, 1, 1), dt.date(2024, 1, 1)]),
    st.integers(-2, 2), st.text(max_size=2), st.floats(allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(HASHABLE_EDGES, HASHABLE_EDGES)
def test_keys_compare_as_their_encodings_do(a: object, b: object) -> None:
    """A key as a value: ``{1: x}`` is not ``{True: x}`` or ``{1.0: x}``, ``-0.0`` not ``0.0``, one instant in two
    zones not one time, though Python's ``==`` (and so ``dict`` lookup) says they are."""
    same = encode_scalar(a) == encode_scalar(b)
    assert same_data({a: "v"}, {b: "v"}) == same
    assert same_data({"outer": {(a, "x"): "v"}}, {"outer": {(b, "x"): "v"}}) == same  # ruamel reads `? [a, x]`


@pytest.mark.parametrize(("a", "b"), [
    ({-0.0: "v"}, {0.0: "v"}), ({(1,): "v"}, {(True,): "v"}), ({1: "v"}, {1.0: "v"}), ([-0.0], [0.0]),
    (dt.datetime(2024, 1, 1, tzinfo=_UTC), dt.datetime(2024, 1, 1, 1, tzinfo=_PLUS_ONE))])
def test_what_python_equality_calls_equal_is_not_the_same_data(a: object, b: object) -> None:
    assert a == b
    assert not same_data(a, b) and not same_data(b, a)


def test_a_tuple_key_is_not_a_list() -> None:
    assert same_data({(1, "x"): [1]}, {(1, "x"): [1]}) and not same_data((1,), [1]) and not same_data([1], (1,))

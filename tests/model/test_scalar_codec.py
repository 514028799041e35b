"""A value's payload decoded with its style or without: the same value either way."""

from __future__ import annotations

import datetime as dt

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


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["unencrypted_suffix", "encrypted_regex", "unencrypted_regex"]),
       st.lists(st.one_of(st.sampled_from(["a", "a_unencrypted", "pass", "x"]), st.integers(0, 2), st.booleans(),
                          st.integers(0, 2).map(ListIndex)), min_size=1, max_size=4))
def test_the_rule_memo_answers_as_the_rules_do(kind: str, path: list[object]) -> None:
    rules = EncryptionRules(kind, "_unencrypted" if kind == "unencrypted_suffix" else "^(pass|a)$")
    memo = RuleMemo(rules)
    assert memo(tuple(path), 1) == rules.encrypts(tuple(path))  # type: ignore[arg-type]
    assert memo(tuple(path), 1) == rules.encrypts(tuple(path))  # type: ignore[arg-type]  # remembered


def test_a_datetime_decodes_the_same() -> None:
    moment = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.timezone.utc)
    assert decode_value(encode_scalar(moment)) == moment

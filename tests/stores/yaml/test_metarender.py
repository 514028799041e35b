"""The metadata block written without ruamel (stores/yaml/metarender.py) is byte for byte what ruamel writes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealfile.stores.yaml import metablock
from sealfile.stores.yaml.metarender import render_plainly

_KEYS = st.sampled_from(["version", "type", "recipient", "wrapped", "mac", "k_1", "_x", "Key"] * 4
                        + ["a-b", "on", "yes", "1", "x.y", "null"])
_GOOD = st.sampled_from([
    "age1qyqszqgpqyqszqgp", "arn:aws:kms:eu-west-1:111:key/abc", "XU+7LTH/x8a=", "_unencrypted", "^(pass|tok)$",
    "a:b", "a#b", "x\n", "a\nb\n", "a\nb", "-----BEGIN X-----\nQUJD\n-----END X-----\n", "a,b", "x]", "x.y"])
_STRINGS = st.sampled_from([
    "a: b", "a:b", "a #b", "a#b", "yes", "no", "on", "true", "null", "~", "1", "0x1f", "1.5", "12:30", "2026-01-01",
    "2026-01-01T10:00:00Z", "", " x", "x ", "#x", "-x", "- x", "x:", "?x", "'q'", '"q"', "é", "x\ty", "[a]", "{a}",
    "a, b", "@x", "%x", "!x", "&x", "*x", "|x", ">x", "=", "<<", "...", "---",
    "#a\nb\n", "a\n  b\n", "a\n- b\n", "a\n...\n", "a\n---\n", "...x", "....", "..x", ".x", "x...", "--x",
    "a\nb\n", "a\nb", "a\n\nb\n",
    " a\nb\n", "a\nb\n\n", "\n", "a \nb\n", "x\n", "-----BEGIN X-----\nQUJD\n-----END X-----\n", "a\tb\n", "é\n",
    "a\rb\n", "\x85", "a\x00b"])
_SCALARS = st.one_of(_GOOD, _GOOD, _GOOD, st.integers(-3, 10**20), st.booleans(), _STRINGS,
                     st.sampled_from([None, 1.5, 0.0, -0.0, 1e300]))


def _values(depth: int) -> st.SearchStrategy[Any]:
    if depth >= 3:
        return _SCALARS
    inner = _values(depth + 1)
    return st.one_of(_SCALARS, st.dictionaries(_KEYS, inner, max_size=3), st.lists(inner, max_size=3))


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_KEYS, _values(0), min_size=1, max_size=4))
def test_written_as_ruamel_writes_it(mapping: dict[str, Any]) -> None:
    lines = render_plainly(mapping)
    if lines is not None:
        assert lines == metablock.emitted_lines(mapping)


@pytest.mark.parametrize("mapping", [
    {"version": 2, "recipients": [{"type": "age", "recipient": "age1x", "wrapped": "-----A-----\nQUJD\n-----B-----\n"}],
     "unencrypted_suffix": "_unencrypted", "mac": "XU+7LTH/x8a=", "signature": "-----C-----\nRA==\n-----D-----\n"},
    {"version": 2, "key_groups": [[{"type": "age", "recipient": "r", "wrapped": "a\nb\n"}],
                                  [{"type": "aws", "arn": "arn:aws:kms:x", "wrapped": "AQI="}]],
     "threshold": 2, "mac": "m"},
])
def test_the_blocks_sealfile_writes_are_written_without_ruamel(mapping: dict[str, Any]) -> None:
    lines = render_plainly(mapping)
    assert lines is not None and lines == metablock.emitted_lines(mapping)


@pytest.mark.parametrize("value", _STRINGS.wrapped_strategy.elements if hasattr(_STRINGS, "wrapped_strategy")
                         else _STRINGS.elements)  # type: ignore[attr-defined]
def test_each_spelling_is_ruamel_s_or_left_to_it(value: str) -> None:
    for mapping in ({"mac": value}, {"recipients": [{"wrapped": value}]}, {"k": [value]}):
        lines = render_plainly(mapping)
        assert lines is None or lines == metablock.emitted_lines(mapping)

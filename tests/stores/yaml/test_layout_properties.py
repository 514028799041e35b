"""Generated YAML texts in every layout a person writes: ``decrypt(encrypt(x)) == x`` byte for byte,
through both engines, and a one-value ``set`` changes that value's token line and the ``mac:``
line only, and gives back the original text with that value's span alone rewritten.

The texts come from :mod:`tests.support.yaml_layouts`.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sealfile.errors import FormatError
from sealfile.kms.age import AgeKey
from sealfile.model.paths import format_keypath
from sealfile.ops.change import rotate, set_value
from sealfile.ops.read import decrypt_text
from sealfile.stores import get_store
from sealfile.stores.yaml.scan import Leaf, scan
from tests.support.fast_path import age_key, general_decrypt, seal, spliced_decrypt
from tests.support.yaml_layouts import WORDS, yaml_texts

__all__ = ["age_key"]


def _readable(text: str) -> Any:
    try:
        return scan(text)
    except FormatError:
        return None


PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.filter_too_much])


@PROPERTY
@given(text=yaml_texts())
def test_every_layout_comes_back_byte_for_byte(text: str, age_key: AgeKey) -> None:
    assume(_readable(text) is not None)  # the generator can write what YAML forbids (a tab after a key...)
    try:
        sealed = seal(text, age_key)
    except FormatError as err:  # the one refusal, tested below
        assert "without a final line break" in str(err) and text.lstrip().startswith("%")
        return
    assert spliced_decrypt(sealed) == general_decrypt(sealed) == decrypt_text(sealed) == text


@pytest.mark.parametrize("text", [
    "token: main\nhost_unencrypted: |\n main",
    "# c\ntoken: main\nx:\n  y: >+\n   kept\n  ",
    "a:\r\n  b: |2\r\n     x",
    "a: |-\n x",
])
def test_a_block_scalar_ending_the_text_keeps_its_value(text: str, age_key: AgeKey) -> None:
    """A line break written after a clipped or kept block scalar would join its value, so the
    metadata goes before the first key instead, and comes out again byte for byte."""
    sealed = seal(text, age_key)
    assert spliced_decrypt(sealed) == general_decrypt(sealed) == text


@pytest.mark.parametrize("text", [
    "a: x\n---\nb: |\n x",
    "# c\n---\na: x\n---\nb: |\n x",
    "---\na: x\n---\nb: >+\n x",
    "a: x\r\n---\r\nb: |\r\n x",
])
def test_a_stream_ending_in_an_open_block_scalar_gets_the_metadata_first(text: str, age_key: AgeKey) -> None:
    """The metadata document leads the stream; a set and a rotate keep it there, and every text
    comes back byte for byte."""
    sealed = seal(text, age_key)
    assert sealed.lstrip("-\r\n").startswith("sealfile:")
    assert spliced_decrypt(sealed) == general_decrypt(sealed) == text
    changed = rotate(set_value(sealed, "0.a", "changed"), get_store("yaml"))
    assert changed.lstrip("-\r\n").startswith("sealfile:")
    assert decrypt_text(changed) == text.replace("a: x", "a: changed")


@pytest.mark.parametrize("text", [
    "a:\n|\n x\n",
    "a: # note\n>-\n x\nb: 2\n",
    "b:\n  a:\n  |+\n   x\n\n",
    "a:\n|\n x",
    "? a\n: 1\n",
    " ? a\n : |\n  x",
    "a: x\n \t\n",          # a blank line with a tab: the metadata goes after it
    "a: x\n\n \t",
    "a: x\n  \t# c\n",      # ... and so does a comment line with a tab before its text
    "a: x\n\n  \t #c\n# d",
    "a: ''#c\n",             # libyaml: a comment right after a quoted value (the token stays quoted)
    'a: "x"#c\nb: 1\n',
    "?\n  k\n: v\nb: 2\n",  # the key on the line after its '?': the metadata goes at the '?' column
    "?   # c\n  k\n:\n  v\n",
])
def test_shapes_a_plain_token_would_break_come_back(text: str, age_key: AgeKey) -> None:
    """A plain token where a block header under its key was would start a new key (it goes after
    the key's ':'), and one right before a '#' would take the comment in."""
    sealed = seal(text, age_key)
    assert spliced_decrypt(sealed) == general_decrypt(sealed) == text
    assert decrypt_text(rotate(sealed, get_store("yaml"))) == text


@pytest.mark.parametrize("text", [
    "&root\n  a: 1\n",
    "    &root\n   a: 1\n",
    "!!map\n  a: x\n",
    "&root\n  a: |\n    x",
    "&root\n?\n  a\n: v\n",          # and its first key explicit: the metadata goes at the '?' column
    "&root\n? a\n: v\nb: 1",
    "!!map\n?\n  a\n: v\n",
    "--- &root !!map # c\n\n  # d\n ? a\n : v\n",
    "&root\r\n?\r\n  a\r\n: |\r\n  v",
])
def test_a_top_level_mapping_with_an_anchor_or_tag_on_its_own_line(text: str, age_key: AgeKey) -> None:
    """The metadata is written at its keys' column, not the anchor's (which made the result unreadable)."""
    sealed = seal(text, age_key)
    assert spliced_decrypt(sealed) == general_decrypt(sealed) == text
    assert scan(decrypt_text(set_value(sealed, "a", "changed"))).tree == {**scan(text).tree, "a": "changed"}


def test_a_stream_with_directives_ending_in_an_open_block_scalar_is_refused(age_key: AgeKey) -> None:
    with pytest.raises(FormatError, match="without a final line break"):
        seal("%YAML 1.2\n---\na: 1\n---\nb: |\n x", age_key)


def _changeable(leaf: Leaf) -> bool:
    value = leaf.value
    return (isinstance(value, str) and bool(value) and not leaf.node.style and value in WORDS
            and value.replace(".", "").isalnum() and not any(str(key).endswith("_unencrypted") for key in leaf.path))


@PROPERTY
@given(text=yaml_texts(), pick=st.integers(min_value=0))
def test_a_one_value_set_changes_that_value_and_the_mac_line_only(text: str, pick: int, age_key: AgeKey) -> None:
    scanned = _readable(text)
    assume(scanned is not None)
    candidates = [leaf for leaf in scanned.leaves if _changeable(leaf)]
    assume(candidates)
    leaf = candidates[pick % len(candidates)]
    keypath = format_keypath(leaf.path)
    try:
        sealed = seal(text, age_key)
    except FormatError:  # the one refusal, tested above
        assume(False)
        raise
    changed = set_value(sealed, keypath, leaf.value + "-changed")
    before, after = sealed.splitlines(keepends=True), changed.splitlines(keepends=True)
    assert len(before) == len(after)
    differing = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(differing) == 2, differing
    assert [old.lstrip().startswith("mac: ") for old, _ in differing].count(True) == 1
    assert decrypt_text(changed) == text[:leaf.start] + leaf.value + "-changed" + text[leaf.end:]


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    ("a: [x, b]\n", "a.1", {"a": ["x", None]}),
    ("a: [b]\n", "a.0", {"a": [None]}),
    ("a: [b]\n", "a.1", {"a": ["b", None]}),
    ("a: {k: b, j: 1}\n", "a.k", {"a": {"k": None, "j": 1}}),
    ("a: {j: 1, k: b}\n", "a.k", {"a": {"j": 1, "k": None}}),
])
def test_a_null_set_inside_brackets_reads_back_as_null(text: str, keypath: str, expected: Any,
                                                       age_key: AgeKey) -> None:
    """An empty spelling there is no item at all ('[x, ]' is one item) or not YAML ('{k:, j: 1}')."""
    changed = set_value(seal(text, age_key), keypath, None)
    assert spliced_decrypt(changed) == general_decrypt(changed)
    assert scan(decrypt_text(changed)).tree == expected


@pytest.mark.parametrize("text", ["a: {k: }\n", "a: {k: , j: 1}\n", "a: {j: 1, k: }\n"])
def test_an_empty_null_inside_braces_comes_back_as_written(text: str, age_key: AgeKey) -> None:
    sealed = seal(text, age_key)
    assert spliced_decrypt(sealed) == general_decrypt(sealed) == text

"""``all_sealed`` (many tokens checked in one match) says what ``is_sealed`` says of each: a damaged or
look-alike token among thousands of good ones is found, and never two texts read as one."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sealfile.model.scalars import all_sealed, is_sealed
from sealfile.stores.yaml.fastleaf import FastLeaf, LazyNodes
from sealfile.stores.yaml.sealed import token_flags

GOOD = "ENC[gAAAAABrFdqZ4Ojf3IU2UlSI8cWEO4YUOOOPlS5-zbUwtobq_QDg==]"
ODD = ["", "ENC[]", "ENC[a=b]", "ENC[a]\nENC[b]", "ENC[a]\n", "\nENC[a]", "XENC[a]", "ENC[a]x", "ENC[a] ", "ENC[é]",
       "ENC[a===]", "ENC[+/]", "enc[a]", "ENC[a", "ENC[=]", "ENC[[a]]", "ENC[a]]"]


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("where", [0, 1, 2999])
def test_one_odd_text_among_many_tokens(odd: str, where: int) -> None:
    texts = [GOOD] * 3000
    texts[where] = odd
    assert all_sealed(texts) is all(map(is_sealed, texts)) is is_sealed(odd)


def test_no_text_and_good_tokens_are_all_sealed() -> None:
    assert all_sealed([]) and all_sealed([GOOD]) and all_sealed([GOOD, "ENC[a]", "ENC[-_09Az==]"])


TEXTS = st.lists(st.one_of(st.sampled_from([GOOD, *ODD]), st.text(alphabet="ENC[]=\n a-_é", max_size=12)), max_size=6)


@settings(max_examples=300)
@given(TEXTS)
@example(["ENC[a]\nENC[b]", "ENC[c]"])
@example(["ENC[a", "]"])
def test_all_sealed_is_each_sealed(texts: list[str]) -> None:
    assert all_sealed(texts) is all(map(is_sealed, texts))


@settings(max_examples=200)
@given(st.lists(st.one_of(st.sampled_from([GOOD, *ODD]), st.integers(), st.none(), st.booleans()), max_size=6))
@example([GOOD, 5, "ENC[a=b]", None])
def test_token_flags_are_is_sealed_of_each_leaf(values: list[object]) -> None:
    nodes = LazyNodes("", lambda text: None)  # type: ignore[arg-type,return-value]
    leaves = [FastLeaf(nodes, ("k",), b"", value, {}, "k", 0, 0, 0, None) for value in values]
    assert token_flags(leaves) == [type(value) is str and is_sealed(value) for value in values]

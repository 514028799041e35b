"""Per-document answers about paths (their encoding, whether the rules encrypt them): the same as
for each path alone, in any order, and a step per container rather than per segment of every path."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.model.path_fold import PrefixFold, path_codes
from sealfile.model.paths import ListIndex, Path, Segment, encode_path
from sealfile.model.rules import EncryptionRules

SEGMENTS: st.SearchStrategy[Segment] = st.one_of(
    st.sampled_from(["a", "1", "true", "x_unencrypted", "pw", ""]),
    st.integers(0, 2), st.booleans(), st.integers(0, 2).map(ListIndex))
PATHS = st.lists(st.lists(SEGMENTS, max_size=6).map(tuple), max_size=40)
RULES = [EncryptionRules(), EncryptionRules("encrypted_regex", "^(pw|1)$"),
         EncryptionRules("unencrypted_regex", "^a"), EncryptionRules("unencrypted_suffix", "ue")]


@settings(max_examples=300, deadline=None)
@given(PATHS)
def test_each_answer_is_the_one_for_the_path_alone(paths: list[Path]) -> None:
    """Paths equal in Python but not as keys (``1``, ``True``, ``ListIndex(1)``) share no answer."""
    codes = path_codes()
    encrypts = [rules.encrypts_each() for rules in RULES]
    for path in paths:
        assert codes(path) == encode_path(path)
        for rules, each in zip(RULES, encrypts, strict=True):
            assert each(path) is rules.encrypts(path)


def test_the_equal_but_different_parents_are_kept_apart() -> None:
    codes = path_codes()
    assert codes((1, "k")) == b"i1:1s1:k"
    assert codes((True, "k")) == b"b4:trues1:k"
    assert codes((ListIndex(1), "k")) == b"#1:1s1:k"


def test_a_deep_document_takes_a_step_per_container_and_leaf() -> None:
    depth, leaves = 90, 500
    paths = [(*("level",) * depth, f"k{i}") for i in range(leaves)]
    steps: list[Segment] = []
    fold = PrefixFold(0, lambda above, segment: steps.append(segment) or above + 1)
    assert [fold(path) for path in paths] == [depth + 1] * leaves
    assert len(steps) == depth + leaves  # not depth x leaves


def test_a_document_nested_deeper_than_pythons_recursion_limit() -> None:
    path: Path = ("k",) * 5000
    assert path_codes()(path) == encode_path(path)
    assert json.dumps(EncryptionRules().encrypts_each()(path)) == "true"


def test_the_parents_remembered_are_bounded_and_answers_stay_right() -> None:
    """A wide file of deep containers kept every parent's path (twice: segments and types); now a bounded few."""
    from sealfile.model import path_fold

    codes = path_codes()
    paths = [(*("deep",) * 60, f"c{i}", "k") for i in range(3 * path_fold._REMEMBERED)]
    assert all(codes(path) == encode_path(path) for path in paths)
    assert len(codes._parents) <= path_fold._REMEMBERED

"""``--portable`` YAML read by both of PyYAML's loaders: libyaml's (``CSafeLoader``) and the pure-Python one
(``SafeLoader``, what PyYAML uses where libyaml is missing). The pure scanner takes only spaces between
tokens: a tab before a comment, after a value or around a flow indicator, which libyaml reads as a space,
stops it. Every text here is one sealfile reads; the portable text must mean the same to both loaders."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sealfile.stores.yaml.portable import portable

LOADERS = [yaml.CSafeLoader, yaml.SafeLoader]

# Tabs where YAML allows separation whitespace, in every place a token can stand next to one.
SEPARATING_TABS = [
    "a: main\t# c\n", "a: main \t# c\n", "a: x\t#c\n", "a: x\t\t# c\n", "a: yes\t# c\n", "a: 12:30\t# c\n",
    "a: 'q'\t# c\n", 'a: "q"\t# c\n', "a: x\t\n", "a: x \t \n", "a: 'x'\t\n", "a\t: x\n", "a:\t# c\n  b: c\n",
    "a: \t# c\n", "a:\t\t# c\n", "? a\t# c\n: b\n", "- x\t# c\n", "a:\n- x\t# c\n", "- - a\t# c\n",
    "a:\n  - b\t# c\n  - c\t# d\n", "a: &x y\t# c\nb: *x\t# d\n", "a: !!str yes\t# c\n", "a: 0o12\t# c\n",
    "a: ~\t# c\n", "a: 2024-01-01\t# c\n", "a: 1.0\t# c\n", "a: .5\t# c\n", "a: 1e3\t# c\n",
    "a: foo\tbar\t# c\n", "a: '\t'\t# c\n", "a: b\r\nc: d\t# e\r\n", "a: b\rc: d\t# e\r", "\ufeffa: b\t# c\n",
    "a: b\t# c\n---\nx: y\t# z\n", "[a\t, b]\t# c\n", "{a: b}\t# c\n", "a: [x\t, y]\n", "a: {x: y\t, z: w}\n",
    "a: {b: c\t# z\n  }\n", "a: [x\t# c\n  ]\n", "a: on\t#c\n", "a: |\t# note\n  x\n", "a: >-\t\n  x\n",
    "k: !!str \t&a >-\n  u\n", "k: !!str\t&a x\t# c\nl: *a\n",
    "a: |\t# n\t1\n  x\t\n", "a: |2\t\n   x\n", "--- \t# c\na: b\n", "a: b\n...\t# c\n", "a: [\t]\n",
]
# Tabs folded into a plain scalar of several lines: the scalar is written on one line, double-quoted.
FOLDED_TABS = [
    "a: x\n \ty\n", "a: x\t\n  y\n", "a: x\n  \t\n  y\n", "a:\n  x\t\n  y\t# c\n", "- x\n  \ty\n",
    "a: &z !!str x\n  \ty\nb: *z\n", "a: [x\n  \ty, z]\n",
]
# Tabs a comment or a scalar holds: kept as they are, the values read alike.
HELD_TABS = [
    "a: x # c\td\n", "a: x\n#\tc\n", "a: |\n  x\t# c\n", "a: |\n  x\ty\n", "a: 'x\ty'\n", 'a: "x\ty"\n',
    "a: >\n  x\t\n  y\n", "a: x # c\t\n",
]


def _ruamel(text: str) -> list[object]:
    return list(YAML(typ="safe", pure=False).load_all(text))


@pytest.mark.parametrize("loader", LOADERS, ids=lambda loader: loader.__name__)
@pytest.mark.parametrize("text", SEPARATING_TABS + HELD_TABS + FOLDED_TABS)
def test_both_pyyaml_loaders_read_the_portable_text_as_the_file_means(text: str, loader: type) -> None:
    assert list(yaml.load_all(portable(text), Loader=loader)) == _ruamel(text)


@pytest.mark.parametrize("text", HELD_TABS)
def test_a_tab_inside_a_comment_or_a_quoted_or_block_scalar_is_kept(text: str) -> None:
    assert portable(text) == text


def test_comments_and_layout_stay_where_they_were() -> None:
    assert portable("a: main\t# note\n") == "a: main # note\n"
    assert portable("a: 'x'\t# n\t1\nb: [c\t, d]\n") == "a: 'x' # n\t1\nb: [c , d]\n"
    assert portable("a: &z !!str x\n  \ty # c\n") == 'a: &z !!str "x y" # c\n'


# Texts of every kind of token; tabs put in at generated places (in place of a space, or added).
BASES = [
    "a: main # c\nb: [x, y]\nc: {d: e}\n", "k: yes\nl:\n  - 012\n  - 'q' # z\n  - \"w\"\nm: |\n  text\n  # not\n",
    "? x\n: y\nz: &a 1\nw: *a\nv: !!str on\nu: x y z\n  t\ns: !!str &b >-\n  r\n",
    "- a\n- - b # c\n  - c\n- {x: 1, y: [2, 3]}\n",
    "a:\n  b: 12:30 # t\n  c: ~\n---\nd: e # f\nn: >-\n  a\n  b\n",
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BASES), st.lists(st.tuples(st.integers(0, 200), st.booleans()), min_size=1, max_size=4))
def test_generated_tabs_read_alike_in_both_pyyaml_loaders(base: str, tabs: list[tuple[int, bool]]) -> None:
    chars = list(base)
    for place, replace in tabs:
        place %= len(chars)
        if replace and chars[place] == " ":
            chars[place] = "\t"
        else:
            chars.insert(place, "\t")
    text = "".join(chars)
    try:
        want = _ruamel(text)
    except YAMLError:
        return  # not YAML sealfile reads
    for loader in LOADERS:
        assert list(yaml.load_all(portable(text), Loader=loader)) == want, loader.__name__

"""scan() reads exactly what load_fast reads (one YAML meaning) on both engines, or refuses in one line."""

from __future__ import annotations

import pytest

from sealfile.errors import FormatError
from sealfile.model.paths import encode_path, iter_leaves
from sealfile.stores.yaml.basics import Engine
from sealfile.stores.yaml.reader import load_fast
from sealfile.stores.yaml.scan import scan
from tests.support.fast_path import benchmark_corpus

TRICKY = """\
plain: on
words: [yes, no, off, y, n]
octal_like: 0123
octal: 0o17
hex: 0x1F
exp: 1e3
inf: .inf
tilde: ~
empty:
date: 2024-01-01
stamp: 2024-01-01 12:30:00+01:00
quoted: "0123"
single: 'yes'
binary: !!binary aGVsbG8=
tagged_str: !!str 12
on: key named on
1: integer key
"1": string key
false: boolean key
nested: {a: [1, {b: c}], d: []}
block: |
  line one
  line two
folded: >-
  folded
  text
unicode: "caf\\u00e9 \\U0001F600"
"""


@pytest.mark.parametrize(
    "text", [TRICKY, benchmark_corpus(200), "a: 1\n", "a: {}\nb: []\n", "%YAML 1.2\n---\na: 010\n"]
)
@pytest.mark.parametrize("engine", ["c", "pure"])
def test_same_tree_leaves_and_paths_as_load_fast(text: str, engine: Engine) -> None:
    scanned = scan(text + "sealfile: {version: 1}\n", engine=engine)
    expected = load_fast(text) or {}
    assert scanned.tree == expected
    assert [type(v) for v in scanned.tree.values()] == [type(v) for v in expected.values()]
    assert scanned.metadata == {"version": 1}
    leaves = list(iter_leaves(expected))
    assert [(leaf.path, leaf.value) for leaf in scanned.leaves] == leaves
    assert [leaf.encoded_path for leaf in scanned.leaves] == [encode_path(p) for p, _ in leaves]


@pytest.mark.parametrize("text", [
    "a: &x [1, *x]\n",                     # an alias of a collection around it
    "d:\n  <<: [[1]]\n",                   # a merge of a list written in place
    "a: !!python/name:os.system 1\n",      # a tag naming a program object
    "a: !!set {x, y}\n",                   # tagged container
    "a: 1\na: 2\n",                        # duplicate key
    "? [1, 2]\n: v\n",                     # non-scalar key
    "1.5: v\n",                            # float key (the format refuses it)
    "- a\n- b\n",                          # top level not a mapping
    "a: [\n",                              # syntax error
])
@pytest.mark.parametrize("engine", ["c", "pure"])
def test_shapes_the_format_cannot_hold_are_refused_in_one_line(text: str, engine: Engine) -> None:
    with pytest.raises(FormatError) as info:
        scan(text, engine=engine)
    assert "\n" not in str(info.value)


def test_spans_point_at_each_scalar() -> None:
    text = 'a: x\nb: "y"\nc:\n  - z\n'
    scanned = scan(text)
    assert scanned is not None
    spans = [text[leaf.start:leaf.end] for leaf in scanned.leaves]
    assert spans == ["x", '"y"', "z"]
    assert [leaf.flow for leaf in scan("a: [x, {b: y}]\nc: z\n").leaves] == [True, True, False]


@pytest.mark.parametrize("text", ["a:\nb: 1\n", "a:   # c\n", "m: {a: , b: 1}\n", "l:\n  -\n  - x\n"])
def test_an_empty_value_is_placed_the_same_by_both_engines(text: str) -> None:
    """Right after its ``:`` or ``-`` (the engines put empty nodes in different places)."""
    spans = [[(leaf.start, leaf.end) for leaf in scan(text, engine=engine).leaves] for engine in ("c", "pure")]
    assert spans[0] == spans[1]
    empty = [start for start, end in spans[0] if start == end]
    assert empty and all(text[start - 1] in ":-" for start in empty)


@pytest.mark.parametrize("text", [
    "a: main\t# a tab before the comment\n",
    "a:\tb\n",
    "a: !!str\tb\n",
    "a: !\tb\n",
    "a: !<tag:yaml.org,2002:str>\tb\n",
    "a: !!str\t# c\n",
    "l: [x,\ty]\n",
])
def test_a_tab_as_separation_reads_the_same_on_both_engines(text: str) -> None:
    """libyaml (the C engine, which defines what a file holds) separates with tabs where YAML 1.2
    allows; the pure engine reads the same, so the decrypted text of a sealed file reads back."""
    trees = [scan(text, engine=engine).tree for engine in ("c", "pure")]
    assert trees[0] == trees[1]


@pytest.mark.parametrize("text", ['a: "\\ud800"\n', "l: [a:b]\n", "m: {k: 0:0}\n"])
def test_what_libyaml_refuses_the_pure_engine_refuses(text: str) -> None:
    for engine in ("c", "pure"):
        with pytest.raises(FormatError):
            scan(text, engine=engine)

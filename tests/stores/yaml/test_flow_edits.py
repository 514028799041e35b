"""``set`` and ``unset`` inside a flow collection change the entry's own text, lines and comma only:
real files write them over several lines (an entry a line, a comma after the last or not, comments
after entries), and a new entry there was written before the closing bracket's line, a removed one
left a blank line or ate the comment before it, and a comma after the last entry made ``set``
fail with "please report it"."""

from __future__ import annotations

import pytest

from sealfile.stores.yaml import edit
from sealfile.stores.yaml.scan import scan

SEVERAL_LINES = "m: {\n  a: 1,\n  b: 2\n}\n"
TRAILING_COMMA = "m: [\n  a, # first\n  b, # second\n]\n"
COMMENTED = "m: [\n  a,  # first\n  b   # second\n]\n"


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    (SEVERAL_LINES, "m.a", "m: {\n  b: 2\n}\n"),
    (SEVERAL_LINES, "m.b", "m: {\n  a: 1\n}\n"),
    (TRAILING_COMMA, "m.0", "m: [\n  b, # second\n]\n"),
    (TRAILING_COMMA, "m.1", "m: [\n  a, # first\n]\n"),
    (COMMENTED, "m.1", "m: [\n  a  # first\n]\n"),
    ("m: [ one, two, # note\n  three ]\n", "m.2", "m: [ one, two # note\n   ]\n"),
    ("env: { A: 1, B: two,\n  C: x }\n", "env.B", "env: { A: 1,\n  C: x }\n"),
    ("m: { a: 1 ,b: 2 }\n", "m.b", "m: { a: 1 }\n"),
    ("m: {a: , b: 2}\n", "m.b", "m: {a: }\n"),
    ("m: {\r\n  a: 1,\r\n  b: 2\r\n}\r\n", "m.a", "m: {\r\n  b: 2\r\n}\r\n"),
    ("m: [a,b,c]\n", "m.1", "m: [a,c]\n"),
])
def test_removing_an_entry_takes_its_own_text_lines_and_comma(text: str, keypath: str, expected: str) -> None:
    assert edit.remove(text, scan(text), keypath) == expected


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    (SEVERAL_LINES, "m.c", "m: {\n  a: 1,\n  b: 2,\n  c: x\n}\n"),
    (TRAILING_COMMA, "m.2", "m: [\n  a, # first\n  b, # second\n  x,\n]\n"),
    (COMMENTED, "m.2", "m: [\n  a,  # first\n  b,   # second\n  x\n]\n"),
    ("m: {a: 1, b: 2, }\n", "m.c", "m: {a: 1, b: 2, c: x, }\n"),
    ("m: [a, b, ]\n", "m.2", "m: [a, b, x, ]\n"),
    ("env: { A: 1,\n  C: y }\n", "env.D", "env: { A: 1,\n  C: y, D: x }\n"),
    ("m: [a, b]   # tail\n", "m.2", "m: [a, b, x]   # tail\n"),
    ("m: {\r\n  a: 1\r\n}\r\n", "m.c", "m: {\r\n  a: 1,\r\n  c: x\r\n}\r\n"),
])
def test_a_new_entry_is_written_as_the_entries_before_it(text: str, keypath: str, expected: str) -> None:
    assert edit.set_value(text, scan(text), keypath, "x") == expected


@pytest.mark.parametrize(("after", "expected"), [
    (edit.FIRST, "m: {\n  z: x,\n  a: 1,\n  b: 2\n}\n"),
    ("a", "m: {\n  a: 1,\n  z: x,\n  b: 2\n}\n"),
])
def test_a_new_entry_placed_among_the_others_takes_a_line_of_its_own(after: object, expected: str) -> None:
    assert edit.set_value(SEVERAL_LINES, scan(SEVERAL_LINES), "m.z", "x", after=after) == expected


@pytest.mark.parametrize("text", [SEVERAL_LINES, TRAILING_COMMA, COMMENTED, "m: {a: 1, b: 2, }\n",
                                  "m: [ one, two, # note\n  three ]\n", "m: [a,b]\n"])
def test_an_entry_added_then_removed_gives_the_text_back(text: str) -> None:
    keypath = "m.z" if text.startswith("m: {") else f"m.{len(scan(text).tree['m'])}"
    added = edit.set_value(text, scan(text), keypath, "x")
    assert edit.remove(added, scan(added), keypath) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("{ a: [b, c] }\n", "{  }\n"),
    ("{\n a: [\n  b\n ]\n}\n", "{\n}\n"),
])
def test_the_only_key_of_a_flow_mapping_at_the_top_is_removed_alone(text: str, expected: str) -> None:
    assert edit.remove(text, scan(text), "a") == expected


@pytest.mark.parametrize(("text", "keypath", "after", "expected"), [
    ("m: [k: 1]\n", "m.0.n", None, 'm: [{k: 1, "n": x}]\n'),
    ("m: [k: 1, 2]\n", "m.0.n", None, 'm: [{k: 1, "n": x}, 2]\n'),
    ("m: [a, k: 1]  # c\n", "m.1.n", None, 'm: [a, {k: 1, "n": x}]  # c\n'),
    ("m: [ ? k : 1 ]\n", "m.0.n", None, 'm: [ {? k : 1, "n": x} ]\n'),
    ("m: [k: 1]\n", "m.0.n", edit.FIRST, 'm: [{"n": x, k: 1}]\n'),
])
def test_a_pair_written_without_braces_in_a_flow_sequence_takes_a_new_key_inside_braces(
        text: str, keypath: str, after: object, expected: str) -> None:
    """``[k: 1]`` is a list of one mapping written without its braces, which can hold one entry only:
    a second entry written as the first was would be a new item (``set`` said "please report it")."""
    assert edit.set_value(text, scan(text), keypath, "x", after=after) == expected


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    ("e: &e {}\n", "e.n", 'e: &e {"n": x}\n'),
    ("e: &e {a: 1}\n", "e.n", 'e: &e {a: 1, "n": x}\n'),
    ("e: !!map {a: 1}\n", "e.n", 'e: !!map {a: 1, "n": x}\n'),
    ("e: &e !!map {}\n", "e.n", 'e: &e !!map {"n": x}\n'),
    ("m: [&e {a: 1}]\n", "m.0.n", 'm: [&e {a: 1, "n": x}]\n'),
    ("m: [&k k: 1]\n", "m.0.n", 'm: [{&k k: 1, "n": x}]\n'),
])
def test_a_flow_mapping_with_an_anchor_or_a_tag_keeps_its_braces(text: str, keypath: str, expected: str) -> None:
    """The mark of ``&e {}`` is at its anchor: taken for a pair written without braces, a new key in it failed
    (an internal error, IndexError) or went into a second pair of braces."""
    assert edit.set_value(text, scan(text), keypath, "x") == expected

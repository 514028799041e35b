"""Structural edits of a YAML text (set a subtree, add a key, remove one) find where a mapping's
entry starts: at its key, or at the ``?`` of an explicit key, whose value is on the next line."""

from __future__ import annotations

from typing import Any

import pytest

from sealfile.stores.yaml import edit
from sealfile.stores.yaml.scan import scan


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    ("a: 1\n? b\n: 2\nc: 3\n", "b", "a: 1\nc: 3\n"),
    ("a: 1\n? b\n: 2\n", "b", "a: 1\n"),
    ("x:\n  ? b\n  : 2\n  c: 3\n", "x.b", "x:\n  c: 3\n"),
    ("x:\n  - ? b\n    : 2\n    c: 3\n", "x.0.b", "x:\n  - c: 3\n"),
    ("x:\n  - a: 1\n    ? b\n    : 2\n", "x.0.a", "x:\n  - ? b\n    : 2\n"),
    ("? b # note\n: 2\n? c\n:   3\n", "b", "? c\n:   3\n"),
])
def test_an_explicit_key_is_removed_with_its_question_mark(text: str, keypath: str, expected: str) -> None:
    assert edit.remove(text, scan(text), keypath) == expected


@pytest.mark.parametrize(("text", "keypath", "value", "expected"), [
    ("a: 1\n? b\n: 2\nc: 3\n", "b", {"x": 1}, "a: 1\nb:\n  x: 1\nc: 3\n"),
    ("x:\n  ? b\n  : 2\n", "x.b", ["p"], "x:\n  b:\n  - p\n"),
    ("x:\n  ? b\n  : 2\n", "x.d", 1, "x:\n  ? b\n  : 2\n  d: 1\n"),
])
def test_a_subtree_or_a_new_key_next_to_an_explicit_key_is_at_its_column(
        text: str, keypath: str, value: Any, expected: str) -> None:
    assert edit.set_value(text, scan(text), keypath, value) == expected


def test_a_new_first_key_before_an_explicit_key_is_at_its_column() -> None:
    text = "x:\n  ? b\n  : 2\n"
    assert edit.set_value(text, scan(text), "x.a", 1, after=edit.FIRST) == "x:\n  a: 1\n  ? b\n  : 2\n"


@pytest.mark.parametrize(("text", "keypath", "value", "expected"), [
    ("a: 1\nb: x", "b", None, "a: 1"),
    ("a: 1\r\nb: x", "b", None, "a: 1"),
    ("a:\n  b: 1\n  c: 2", "a.c", None, "a:\n  b: 1"),
    ("a: 1\nb: x", "b", {"q": 1}, "a: 1\nb:\n  q: 1"),
    ("a: 1\nb:\n  c: x", "b.c", None, "a: 1\nb: {}"),
])
def test_a_text_without_a_final_line_break_keeps_having_none(text: str, keypath: str, value: Any,
                                                              expected: str) -> None:
    """A key added then removed gives the text back (removing left the break before the key)."""
    scanned = scan(text)
    changed = edit.remove(text, scanned, keypath) if value is None else edit.set_value(text, scanned, keypath, value)
    assert changed == expected
    added = edit.set_value(text, scanned, "z", 1)
    assert edit.remove(added, scan(added), "z") == text


def test_the_break_that_ends_a_block_scalar_stays() -> None:
    text = "a: |\n  x\nb: 1"
    assert edit.remove(text, scan(text), "b") == "a: |\n  x\n"


@pytest.mark.parametrize(("text", "keypath", "last", "first"), [
    ("a: 1\nb: |\n  x", "z", 'a: 1\nb: |-\n  x\nz: "y"', 'z: "y"\na: 1\nb: |\n  x'),
    ("a: 1\r\nb: >\r\n  x", "z", 'a: 1\r\nb: >-\r\n  x\r\nz: "y"', 'z: "y"\r\na: 1\r\nb: >\r\n  x'),
    ("# c\na: 1\nb:\n  c: |\n    x", "b.z", '# c\na: 1\nb:\n  c: |-\n    x\n  z: "y"',
     '# c\na: 1\nb:\n  z: "y"\n  c: |\n    x'),
    # in a list item (a CI step ending a file); first, on its '- ' line: the dash stays, the old first key moves down
    ("s:\n  - n: 1\n    run: |\n      x", "s.0.z", 's:\n  - n: 1\n    run: |-\n      x\n    z: "y"',
     's:\n  - z: "y"\n    n: 1\n    run: |\n      x'),
    ("s:\n  -   n: 1\n      r: |\n        x", "s.0.z", 's:\n  -   n: 1\n      r: |-\n        x\n      z: "y"',
     's:\n  -   z: "y"\n      n: 1\n      r: |\n        x'),
])
def test_a_key_added_to_a_text_ending_in_an_open_block_scalar_goes_last(text: str, keypath: str, last: str,
                                                                         first: str) -> None:
    """After it, the line break before the new key would become part of the block's value: the block is written
    strip-chomped (``|-``, the same value) and the key goes last, as anywhere else (it went first before, the
    user's new key at the top of the file). Placed first (``after=FIRST``, as the merge driver places a key theirs
    put first), the block stays as it was."""
    assert edit.set_value(text, scan(text), keypath, "y") == last
    assert edit.set_value(text, scan(text), keypath, "y", after=edit.FIRST) == first


@pytest.mark.parametrize(("text", "keypath", "value", "expected"), [
    ("a: 1\r\nb: x\r\n", "z", "y", 'a: 1\r\nb: x\r\nz: "y"\r\n'),
    ("a: 1\r\nb: x\r\n", "b", {"q": [1]}, "a: 1\r\nb:\r\n  q:\r\n  - 1\r\n"),
    ("a:\r\n  b: 1\r\n", "a.c", "two\nlines", "a:\r\n  b: 1\r\n  c: |-\r\n    two\r\n    lines\r\n"),
])
def test_lines_written_into_a_crlf_text_end_in_crlf(text: str, keypath: str, value: Any, expected: str) -> None:
    assert edit.set_value(text, scan(text), keypath, value) == expected


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    ("a: 1\nzz: |\n  multi\n  line\n\n# c\n", "zz", "a: 1\n\n# c\n"),
    ("a: 1\nzz: >-\n  folded\n\n\nb: 2\n", "zz", "a: 1\n\n\nb: 2\n"),
    ("a: 1\r\nzz: |\r\n  x\r\n\r\nb: 2\r\n", "zz", "a: 1\r\n\r\nb: 2\r\n"),
    ("a: 1\nzz: |+\n  kept\n\nb: 2\n", "zz", "a: 1\nb: 2\n"),  # |+ holds its blank line: it goes with it
])
def test_removing_a_block_scalar_keeps_the_blank_lines_after_it(text: str, keypath: str, expected: str) -> None:
    """libyaml ends a block scalar after the blank lines that follow its text; they separate the
    entry from the next one, and stay when it goes (as after any other value)."""
    assert edit.remove(text, scan(text), keypath) == expected


@pytest.mark.parametrize(("text", "keypath", "value", "expected"), [
    ("a: 1\nzz: |\n  multi\n  line\n\n# c\n", "zz", "x", "a: 1\nzz: x\n\n# c\n"),
    ("a: 1\nzz: >-\n  folded\n\n\nb: 2\n", "zz", {"k": 1}, "a: 1\nzz:\n  k: 1\n\n\nb: 2\n"),
    ("a: 1\r\nzz: |\r\n  x\r\n\r\nb: 2\r\n", "zz", 7, "a: 1\r\nzz: 7\r\n\r\nb: 2\r\n"),
    ("l:\n- |\n  x\n\n- y\n", "l[0]", "z", "l:\n- z\n\n- y\n"),
    ("a: 1\nzz: |+\n  kept\n\nb: 2\n", "zz", "q", "a: 1\nzz: q\nb: 2\n"),  # |+ holds its blank line
])
def test_replacing_a_block_scalar_keeps_the_blank_lines_after_it(text: str, keypath: str, value: Any,
                                                                 expected: str) -> None:
    """As when it is removed: the blank lines after a block scalar's text part the entries."""
    assert edit.set_value(text, scan(text), keypath, value) == expected


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    ("a:\n  b: |\n    t\n\n\n# top\nc: 1\n", "a.x", "a:\n  b: |\n    t\n  x: v\n\n\n# top\nc: 1\n"),
    ("a: |\n  t\n\nb: 1\nc: >\n  f\n\n# end\n", "z", "a: |\n  t\n\nb: 1\nc: >\n  f\nz: v\n\n# end\n"),
    ("l:\n- |\n  x\n\n# end\n", "l[1]", "l:\n- |\n  x\n- v\n\n# end\n"),
    ("a:\n  b:\n    c: |-\n      t\n\nd: 1\n", "a.x", "a:\n  b:\n    c: |-\n      t\n  x: v\n\nd: 1\n"),
    ("a:\r\n  b: |\r\n    t\r\n\r\nc: 1\r\n", "a.x", "a:\r\n  b: |\r\n    t\r\n  x: v\r\n\r\nc: 1\r\n"),
    ("a:\n  b: |+\n    t\n\n# top\n", "a.x", "a:\n  b: |+\n    t\n\n  x: v\n# top\n"),  # |+'s blank line is its text
    # a line of spaces past the key's column, not past the text's (an editor's auto-indent): blank too
    ("a:\n  b: |\n      t\n    \nc: 1\n", "a.x", "a:\n  b: |\n      t\n  x: v\n    \nc: 1\n"),
    ("a:\n  b: |2\n      t\n    \nc: 1\n", "a.x", "a:\n  b: |2\n      t\n  x: v\n    \nc: 1\n"),
])
def test_a_new_entry_after_a_block_scalar_goes_before_the_blank_lines_that_part_it_from_what_follows(
        text: str, keypath: str, expected: str) -> None:
    """libyaml ends a block scalar after the blank lines that follow its text: a new entry written at its
    end goes right after the text, and those lines still part the block from the next one."""
    added = edit.set_value(text, scan(text), keypath, "v")
    assert added == expected
    assert edit.remove(added, scan(added), keypath) == text


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    ("foo: |\n  x\n   \n", "new", "foo: |\n  x\n   \nnew: v\n"),  # foo is "x\n \n"
    ("foo: >\n  x\n   \n\n", "new", "foo: >\n  x\n   \nnew: v\n\n"),
    ("a:\n  b: |-\n    x\n      \nc: 1\n", "a.z", "a:\n  b: |-\n    x\n      \n  z: v\nc: 1\n"),
    ("l:\n- |\n  x\n   \n", "l[1]", "l:\n- |\n  x\n   \n- v\n"),
    # its text is at column 4: the line of 5 spaces is text, the line of 2 blank (the entry goes before it)
    ("l:\n- k: |\n    x\n     \n  \n", "l[0].z", "l:\n- k: |\n    x\n     \n  z: v\n  \n"),
    ("foo: |\r\n  x\r\n   \r\n", "new", "foo: |\r\n  x\r\n   \r\nnew: v\r\n"),
])
def test_a_line_of_spaces_deeper_than_a_block_scalars_indentation_is_its_text_and_a_new_entry_follows_it(
        text: str, keypath: str, expected: str) -> None:
    """A line of only spaces after a block scalar's last line is its text when it holds more spaces than the
    block's indentation (``foo: |`` then ``  x`` and ``   ``: ``"x\\n \\n"``): a new entry goes after it."""
    added = edit.set_value(text, scan(text), keypath, "v")
    assert added == expected
    assert edit.remove(added, scan(added), keypath) == text


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    ("a:\n  b: 1\n  # c: 2\n", "z", "a:\n  b: 1\n  # c: 2\nz: v\n"),
    ("a:\n  b: 1\n    # deeper\n  # c: 2\nd: 3\n", "a.x", "a:\n  b: 1\n    # deeper\n  x: v\n  # c: 2\nd: 3\n"),
    ("a:\n  b: 1\n  # c: 2\n\n# top\n", "z", "a:\n  b: 1\n  # c: 2\nz: v\n\n# top\n"),
    ("a:\n- x\n  # about x\n", "a[1]", "a:\n- x\n  # about x\n- v\n"),
])
def test_a_new_entry_goes_after_the_comments_under_the_one_before_and_its_removal_restores_the_text(
        text: str, keypath: str, expected: str) -> None:
    added = edit.set_value(text, scan(text), keypath, "v")
    assert added == expected
    assert edit.remove(added, scan(added), keypath) == text


LONG_KEY = "k" * 1025


@pytest.mark.parametrize(("text", "keypath", "value"), [
    ("a: 1\n", LONG_KEY, "v"), ("a: 1\n", LONG_KEY, {"x": [1]}), ("a:\n  b: 1\n", f"a.{LONG_KEY}", ["x"]),
    ("a: {b: 1}\n", f"a.{LONG_KEY}", "v"), ("a:\n- b: 1\n", f"a.0.{LONG_KEY}", "v"), ("a: 1\n", "k" * 1024, "v"),
])
def test_a_key_longer_than_an_implicit_key_may_be_is_written_explicit(text: str, keypath: str, value: Any) -> None:
    """libyaml takes an implicit key (``key: value``) of at most 1024 characters: set wrote a longer new
    key implicit, which its own read-back refused ("please report it")."""
    from ruamel.yaml import YAML

    changed = edit.set_value(text, scan(text), keypath, value)
    place = YAML(typ="safe").load(changed)
    for part in keypath.split("."):
        place = place[int(part)] if isinstance(place, list) else place[part]
    assert place == value
    assert ("? " + LONG_KEY in changed) == (LONG_KEY in keypath)


@pytest.mark.parametrize(("keypath", "at", "value"), [
    ('m["?x"]', ("m", "?x"), "v"), ('m["-x"]', ("m", "-x"), "v"),
    ("m.new", ("m", "new"), {"?x": 1, "y": {"?z": ["?"]}}), ("l.1", ("l", 1), {"?x": 1}),
])
def test_a_key_written_inside_a_flow_collection_is_quoted_as_flow_context_needs(keypath: str, at: tuple[Any, Any],
                                                                                 value: Any) -> None:
    """Inside braces ``?x`` starts an explicit key (libyaml): a new key ``?x`` written plain there was
    read as the key ``x``, and set refused its own result ("please report it")."""
    from ruamel.yaml import YAML

    text = "m: {k: v}\nl: [1]\n"
    read = YAML(typ="safe").load(edit.set_value(text, scan(text), keypath, value))
    assert read[at[0]][at[1]] == value


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    ("hooks:\n  - id: black\n    # pin it\n    language_version: python3\n", "hooks.0.id",
     "hooks:\n  -\n    # pin it\n    language_version: python3\n"),
    ("tts:\n  - platform: g  # note\n\n    # cache\n    cache_dir: /tmp\n", "tts.0.platform",
     "tts:\n  -\n\n    # cache\n    cache_dir: /tmp\n"),
    ("s:\r\n- - a: 1\r\n    # c\r\n    b: 2\r\n", "s.0.0.a", "s:\r\n- -\r\n    # c\r\n    b: 2\r\n"),
    ("s:\n  - a: 1\n\n    b: 2\n", "s.0.a", "s:\n  - b: 2\n"),
])
def test_the_comments_between_an_items_first_key_and_the_next_stay_when_it_is_removed(
        text: str, keypath: str, expected: str) -> None:
    """The next key moves up to the '- ' only where no comment lines are in between (a pre-commit hook's
    or a Home Assistant item's comments on the key after); else the dash stays alone on its line."""
    assert edit.remove(text, scan(text), keypath) == expected

"""Every writer writes a file in its own line breaks (docs/format.md §1): a change to a file whose lines end in
CRLF or a CR alone gives the text the same change gives its LF twin, with the twin's LF as that break, and
the sealed text holds no other line break. A line is found by LF, CRLF or a CR alone (YAML and JSON break
lines at each), so a new value, block, key or member, a removed entry and the metadata are placed and
spelled as in LF, never double-quoted, on one line, or refused for the break alone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sealfile.errors import FormatError, KeyPathError
from sealfile.kms.age import AgeKey
from sealfile.ops.change import reseal_edited, rotate, set_value, unset_value
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.fast_path import age_key

__all__ = ["age_key"]

NEWLINES = ["\r\n", "\r"]
# Each case: the syntax, the text in LF, and a change: ("set", keypath, value) or ("unset", keypath).
CASES: list[tuple[str, str, tuple[Any, ...]]] = [
    ("yaml", "k: |\n  x\nj: 1\n", ("set", "k", "l1\nl2\n")),  # a block written in place: was double-quoted
    ("yaml", "k: |\n  x\nj: 1\n", ("set", "k", "new")),  # the block style kept
    ("yaml", "a: 1\nb:\n  c: 2\nz: 0\n", ("set", "b.c", "l1\nl2\n")),
    ("yaml", "k: |  # on the header\n  x\ny: 1\n", ("set", "k", "new")),  # CRLF: written plain
    ("yaml", "k: |\n  x\n\nj: 1\n", ("set", "k", "new")),  # CR: a block ending in CR read as inline, refused
    ("yaml", "k: >\n  x\n\n\n", ("set", "k", "new")),  # CR: the blank lines after the block lost
    ("yaml", "password: 'x'\n\n", ("set", "password", "l1\nl2")),  # the metadata after the blank lines
    ("yaml", "# c\n", ("set", "a", "v")),  # the first key of a text with none: a blank line before it
    ("yaml", "---\n", ("set", "a", "v")),
    ("yaml", "a: x\n \t\nb: 1\n", ("set", "a", "new")),  # a line with a tab after a plain value
    ("yaml", "a: &x\n  k: 1 # c\nb: *x\nc: 2\n", ("set", "c", "l1\nl2\n")),
    ("yaml", "a:\n  - k: 1\n    # c\n    j: 2\nb: 1\n", ("unset", "a[0].k")),
    ("yaml", "a: 1\nb: |-\n  x", ("set", "c", "v")),
    ("json", '{\n  "a": 1,\n  "b": {\n    "c": 2\n  }\n}\n', ("set", "b.n", "v")),  # was on the line before
    ("json", '{\n  "a": 1,\n  "b": {\n    "c": 2\n  }\n}\n', ("set", "b.n", {"x": [1, 2]})),
    ("json", '{\n  "a": 1,\n  "b": {\n    "c": 2\n  }\n}\n', ("set", "a", {"x": 1})),
    ("json", '{\n  "a": 1,\n  "l": [\n    1\n  ]\n}\n', ("set", "l[1]", {"x": 1})),
    ("json", '{\n  "a": 1\n}', ("set", "n", "v")),
    ("json", '{\n  "a": 1,\n  "b": {\n    "c": 2,\n    "d": 3\n  }\n}\n', ("unset", "b.c")),
    ("dotenv", "A=1\n# c\nB=2\n", ("set", "N", "v")),
    ("dotenv", "A=1\nB=2", ("unset", "B")),
]


def _foreign_breaks(text: str, newline: str) -> list[str]:
    """The line breaks of ``text`` that are not ``newline``."""
    return [found for found in re.findall(r"\r\n|\r|\n", text) if found != newline]


def _changed(text: str, syntax: str, change: tuple[Any, ...], key: AgeKey) -> tuple[str, str]:
    store = get_store(syntax)
    sealed = seal_text(text, [key], store=store)
    verb, keypath, *value = change
    written = set_value(sealed, keypath, value[0], store) if verb == "set" else unset_value(sealed, keypath, store)
    return written, decrypt_text(written, store=store)


@pytest.mark.parametrize("newline", NEWLINES, ids=["CRLF", "CR"])
@pytest.mark.parametrize(("syntax", "text", "change"), CASES)
def test_a_change_writes_what_it_writes_in_lf_in_the_file_s_line_break(syntax: str, text: str, change: tuple[Any, ...],
                                                                      newline: str, age_key: AgeKey) -> None:
    _, expected = _changed(text, syntax, change, age_key)
    if syntax == "dotenv" and newline == "\r" and "\n" in text:  # a shell reads it as one line: refused
        with pytest.raises(FormatError, match="a carriage return alone"):
            _changed(text.replace("\n", newline), syntax, change, age_key)
        return
    written, opened = _changed(text.replace("\n", newline), syntax, change, age_key)
    assert opened == expected.replace("\n", newline)
    assert not _foreign_breaks(written, newline)


@pytest.mark.parametrize("newline", ["\n", *NEWLINES], ids=["LF", "CRLF", "CR"])
def test_rotate_and_edit_keep_the_file_s_line_break(newline: str, age_key: AgeKey) -> None:
    plaintext = "a: |\n  x\n\nb:\n  c: 2\n".replace("\n", newline)
    sealed = rotate(seal_text(plaintext, [age_key]))
    assert decrypt_text(sealed) == plaintext and not _foreign_breaks(sealed, newline)
    edited = plaintext + f"d: |{newline}  y{newline}"
    resealed = reseal_edited(sealed, edited)
    assert decrypt_text(resealed) == edited and not _foreign_breaks(resealed, newline)


@pytest.mark.parametrize("newline", ["\n", *NEWLINES], ids=["LF", "CRLF", "CR"])
def test_a_value_that_cannot_stand_before_a_tab_line_is_refused_naming_that_line(newline: str,
                                                                                  age_key: AgeKey) -> None:
    """The line with the tab is found, and counted, at any line break (at a CR alone it was not: the value
    was written, and opening the file failed to read it back)."""
    sealed = seal_text("z: 0\na: x\n \t\nb: 1\n".replace("\n", newline), [age_key])
    with pytest.raises(KeyPathError, match="line 3, after this value, has a tab"):
        set_value(sealed, "a", " lead")

"""The metadata block keeps the line break it has (a new one: the file's most common), so a file whose last line
alone lost or gained its CR does not get its whole block rewritten in the other break on a one-value change."""

from __future__ import annotations

import difflib

import pytest

from sealfile.kms.age import AgeKey
from sealfile.ops.change import set_value
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from sealfile.stores.base import dominant_line_break
from tests.support.fast_path import age_key

__all__ = ["age_key"]

PLAIN = {"yaml": "a: 1\nb: 2\nc: 3\n", "json": '{\n  "a": "1",\n  "b": "2"\n}\n', "dotenv": "A=1\nB=2\nC=3\n"}
KEY = {"yaml": "a", "json": "a", "dotenv": "A"}
FLIPS = [("\r\n", "\n"), ("\n", "\r\n")]  # the file's break, its last line's


def _changed_lines(before: str, after: str) -> int:
    return sum(1 for line in difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
               if line[:1] in "+-" and line[:3] not in ("+++", "---"))


@pytest.mark.parametrize(("newline", "last"), FLIPS)
@pytest.mark.parametrize("syntax", sorted(PLAIN))
def test_a_one_value_set_keeps_the_block_s_line_break_when_the_last_line_s_differs(
        syntax: str, newline: str, last: str, age_key: AgeKey) -> None:
    store = get_store(syntax)
    sealed = seal_text(PLAIN[syntax].replace("\n", newline), [age_key], store=store)
    flipped = sealed[:-len(newline)] + last
    changed = set_value(flipped, KEY[syntax], "x", store=store)
    assert _changed_lines(flipped, changed) <= 4  # the value, the MAC and when it was set (was 36 in YAML)
    # YAML and dotenv end with the block, written again with its own line break; JSON with its '}', kept as it is
    assert changed.endswith(last if syntax == "json" else newline)
    expected = PLAIN[syntax].replace("1", "x", 1).replace("\n", newline)
    if syntax == "json":
        expected = expected[:-len(newline)] + last
    assert decrypt_text(changed, store=store) == expected


@pytest.mark.parametrize("syntax", sorted(PLAIN))
def test_a_new_block_takes_the_file_s_most_common_line_break(syntax: str, age_key: AgeKey) -> None:
    store = get_store(syntax)
    plain = PLAIN[syntax][:-1] + "\r\n"  # LF lines, the last one CRLF
    sealed = seal_text(plain, [age_key], store=store)
    assert sealed.count("\r\n") == 1  # the block added in LF, not in the last line's CRLF
    assert decrypt_text(sealed, store=store) == plain


def test_the_most_common_break_ties_to_the_last_one() -> None:
    assert dominant_line_break("a\r\nb\nc\r\n") == "\r\n"
    assert dominant_line_break("a\nb\nc\r\n") == "\n"
    assert dominant_line_break("a\r\nb\n") == "\n"
    assert dominant_line_break("a\rb\rc\n") == "\r"
    assert dominant_line_break("") == "\n"

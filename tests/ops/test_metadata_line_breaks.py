"""The metadata block keeps the line break it was written in (docs/format.md §1), whatever the last line of the
text ends with: a CRLF file whose last line an editor or script appended with LF (or a Windows ``autocrlf``
checkout left so) gets its block written again in CRLF by every writer, so a reviewer sees only the ``mac`` line
change; a new file's block takes the text's dominant line break. Every text decrypts byte for byte.

Before, the block took the break of the text's last line: an edit appending one LF line flipped every line of the
block (28 lines in a YAML file's diff, 12 in a dotenv file's)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from sealfile.gitflow.merge import merge_texts
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.change import change_recipients, reseal_edited, rotate, set_value, unset_value
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from sealfile.stores.base import dominant_line_break, rebroken
from tests.support.fast_path import age_key

__all__ = ["age_key"]

CRLF = {"yaml": "a: 1\nb: x\n", "json": '{\n  "a": 1,\n  "b": "x"\n}\n', "dotenv": "A=1\nB=x\n"}
CRLF = {syntax: text.replace("\n", "\r\n") for syntax, text in CRLF.items()}
APPENDED = {"yaml": "c: 2\n", "json": None, "dotenv": "C=2\n"}  # JSON: its closing brace's line ends in LF
_YAML_BLOCK = re.compile(r"(?:\A|(?<=[\r\n]))sealfile:.*?(?<=[\r\n])  mac: [^\r\n]*(?:\r\n|\r|\n)?", re.S)


def _lf_last(syntax: str, text: str, newline: str = "\r\n") -> str:
    """``text`` (in ``newline``) with a last line ending in LF."""
    appended = APPENDED[syntax]
    return text[:-len(newline)] + "\n" if appended is None else text + appended


def _block(syntax: str, sealed: str) -> str:
    if syntax == "yaml":
        found = _YAML_BLOCK.search(sealed)
        assert found is not None
        return found.group()
    span = get_store(syntax).metadata_span(sealed)
    assert span is not None
    return sealed[span[0]:span[1]].lstrip("\r\n")


def _breaks(text: str) -> set[str]:
    return set(re.findall(r"\r\n|\r|\n", text))


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["CRLF", "CR"])
@pytest.mark.parametrize("syntax", CRLF)
def test_an_edit_appending_a_line_in_lf_keeps_the_block_s_line_break(syntax: str, newline: str,
                                                                     age_key: AgeKey) -> None:
    store = get_store(syntax)
    text = CRLF[syntax].replace("\r\n", newline)
    sealed = seal_text(text, [age_key], store=store)
    edited = _lf_last(syntax, text, newline)
    resealed = reseal_edited(sealed, edited, store)
    assert decrypt_text(resealed, store=store) == edited
    before, after = _block(syntax, sealed).splitlines(keepends=True), _block(syntax, resealed).splitlines(keepends=True)
    changed = [line for old, line in zip(before, after, strict=True) if old != line]
    assert _breaks("".join(after)) == {newline} and all("mac" in line for line in changed), changed


@pytest.mark.parametrize("syntax", CRLF)
def test_a_new_file_s_block_takes_the_dominant_line_break(syntax: str, age_key: AgeKey) -> None:
    store = get_store(syntax)
    plaintext = _lf_last(syntax, CRLF[syntax])
    sealed = seal_text(plaintext, [age_key], store=store)
    assert decrypt_text(sealed, store=store) == plaintext
    assert _breaks(_block(syntax, sealed)) == {"\r\n"}


WRITERS: dict[str, Callable[[str, str, AgeKey, AgeKey], str]] = {
    "set": lambda text, syntax, key, other: set_value(text, "a" if syntax != "dotenv" else "A", "2",
                                                      get_store(syntax)),
    "set new": lambda text, syntax, key, other: set_value(text, "n" if syntax != "dotenv" else "N", "v",
                                                          get_store(syntax)),
    "unset": lambda text, syntax, key, other: unset_value(text, "a" if syntax != "dotenv" else "A", get_store(syntax)),
    "rotate": lambda text, syntax, key, other: rotate(text, get_store(syntax)),
    "recipients": lambda text, syntax, key, other: change_recipients(text, add=[other],
                                                                         store=get_store(syntax)).text,
    "merge": lambda text, syntax, key, other: merge_texts(text, text, set_value(
        text, "a" if syntax != "dotenv" else "A", "3", get_store(syntax)), get_store(syntax)).text or "",
}


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("syntax", CRLF)
def test_every_writer_keeps_the_block_s_line_break_not_the_last_line_s(syntax: str, writer: str,
                                                                       age_key: AgeKey) -> None:
    """A sealed CRLF file whose last line ends in LF (YAML: a comment after the block; JSON: the closing brace;
    dotenv: the block's own last line) is written again with its block in CRLF."""
    store = get_store(syntax)
    sealed = seal_text(CRLF[syntax], [age_key], store=store)
    sealed = sealed + "# note\n" if syntax == "yaml" else sealed[:-2] + "\n"
    written = WRITERS[writer](sealed, syntax, age_key, AgeKey(generate_identity()[1]))
    block = _block(syntax, written)
    assert _breaks(re.sub(r"(?:\r\n|\r|\n)\Z", "", block)) == {"\r\n"}, block  # its last may be the file's last
    decrypt_text(written, store=store)


@pytest.mark.parametrize(("text", "expected"), [
    ("", "\n"), ("a\r\nb\r\nc\n", "\r\n"), ("a\nb\r\n", "\r\n"), ("a\nb\nc\r\n", "\n"), ("a\rb\r", "\r"),
    ("k: 'x\n\n  y'\r\nj: 1\r\n", "\r\n"),
])
def test_the_dominant_line_break(text: str, expected: str) -> None:
    assert dominant_line_break(text) == expected


@pytest.mark.parametrize(("text", "span", "newline", "expected"), [
    ("a\nb\r\nc\n", (2, 7), "\r\n", "a\nb\r\nc\r\n"),
    ("a\r\n\nm\n", (3, 6), "\r", "a\r\n\rm\r"),
    ("a\r\nm\n", (3, 5), "\n", "a\r\nm\n"),
    ("a\r\rm\r", (2, 5), "\n", "a\r\rm\n"),  # an LF after the CR would join it: the blank line would go
    ("m\n\nz", (0, 2), "\r", "m\n\nz"),  # a CR before the LF after would join it
])
def test_rebroken_keeps_every_line(text: str, span: tuple[int, int], newline: str, expected: str) -> None:
    written = rebroken(text, *span, newline)
    assert written == expected and len(written.splitlines()) == len(text.splitlines())

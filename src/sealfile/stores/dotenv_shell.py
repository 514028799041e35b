"""What a shell sourcing a decrypted dotenv file (``set -a; . <(sealfile decrypt app.enc.env)``) reads in the
layout the seal does not cover: the name and ``=`` of every binding, and the quoting of a value left in
plaintext. The seal covers a name and a value as python-dotenv reads them (a token holds its value's quoting);
anyone who can push may respell the rest, and a shell must then read what python-dotenv reads, or the file is
refused: ``E_unencrypted='$(cmd)'`` requoted ``"$(cmd)"`` kept the MAC and ran ``cmd``; ``API_KEY= ENC[...]``
kept it and made a shell run the secret as a command (its name then on stderr, in CI logs)."""

from __future__ import annotations

import re
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.paths import format_keypath
from sealfile.model.scalars import is_sealed
from sealfile.stores.dotenv_lines import blank_lines_before, where

_PLAIN_HEAD = re.compile(r"\s*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.\-]*)=")
"""A binding's start as a shell reads it as an assignment: the name bare, ``=`` right after it, and the value
right after that (blanks python-dotenv skips there end a shell's assignment: the value is then a command),
unless it is empty (``KEY=  # note``)."""
_SHELL_LITERAL = re.compile(r"[^\s|&;<>()$`\\\"'*?~{}]*\Z")
"""A bare value a shell reads as it is written in an assignment, ``export`` too (``~`` is a home directory
there, ``{a,b}`` a brace expansion after ``export``; the rest ends the word or expands)."""
_DOUBLE_QUOTED_ESCAPES = re.compile(r"\\([\\\"$`\n])")
"""What a shell undoes inside double quotes: ``\\`` before one of ``\\ " $ ` `` or a line break."""


def needs_a_look(raw: str, key: str, value: str) -> bool:
    """Whether a binding's layout may read otherwise to a shell: a value outside a token, or a name and ``=``
    not written plain (cheap: most lines are ``NAME=ENC[...]``)."""
    return not is_sealed(value) or not head_read_alike(raw, key, None)


def head_read_alike(raw: str, key: str, empty: bool | None) -> bool:
    """Whether a shell reads ``raw``'s name and ``=`` as an assignment to ``key``, as python-dotenv does: the name
    bare, ``=`` right after it, and the value right after that, unless it is ``empty`` (``KEY=  # note``; ``None``:
    not known, so not read as empty, and the line looked at no further)."""
    head = _PLAIN_HEAD.match(raw)
    if head is None or head.group(1) != key:
        return empty is not None and where(raw)[1] is None  # ``KEY`` alone: no assignment (its name is sealed)
    if raw[head.end():head.end() + 1] not in (" ", "\t"):
        return True
    if not empty:
        return False
    _, start, end = where(raw)
    return start == end  # blanks then a comment or the line's end: bare, empty


def head_misread(line: int, key: str) -> FormatError:
    return FormatError(f"invalid dotenv line {line}: blanks around '=', or a name quoted or not made of letters, "
                       "digits, '_', '.', '-', which a shell sourcing the decrypted file reads as a command, and which "
                       "the seal does not cover (write NAME=value)", keypath=format_keypath((key,)))


def refuse_shell_layout(raw: str, key: str, value: str, line: int, at: tuple[int, int | None, int | None]) -> None:
    """Refuse a binding (``raw``, its text, read as ``key``) of a sealed file, or of a plaintext about to be sealed,
    whose value is outside a token and whose name, ``=`` or value's spelling a shell sourcing the decrypted file
    reads otherwise than python-dotenv (``value``: python-dotenv's reading). The line a token's value is printed on
    is looked at when it is printed (:func:`head_read_alike`); ``at``: ``where`` of the binding's text."""
    if is_sealed(value):
        return
    _, start, end = at
    if start is None or end is None:  # ``KEY`` alone: writers refuse it (check_sealable); its name is sealed
        return
    if key.startswith("sealfile_") and not _PLAIN_HEAD.match(key + "="):  # no field's name: refused as unknown
        return
    if not head_read_alike(raw, key, start == end):
        raise head_misread(line, key)
    if key.startswith("sealfile_"):  # the metadata: a shell may read its text otherwise (a signature's "\n"), but
        if not _runs_nothing(raw[start:end]):  # must run and expand nothing (a rule's pattern is the owner's)
            raise FormatError(f"invalid dotenv line {line}: metadata spelled so that a shell sourcing the decrypted "
                              "file expands or runs part of it, which the seal does not cover",
                              keypath=format_keypath((key,)))
        return
    if not read_alike(raw[start:end], value):
        raise FormatError(f"invalid dotenv line {line}: a value left in plaintext whose quoting a shell sourcing "
                          "the decrypted file reads otherwise ($, ` or \\ in double quotes, \\ in single quotes, "
                          "or a blank or shell character unquoted), and which the seal does not cover (quote it "
                          "in '...', as 'sealfile set' writes it)", keypath=format_keypath((key,)))


def refuse_written_otherwise(line: str, key: str, value: Any, before: list[str], sealed: bool) -> None:
    """Refuse to write ``line`` (after the lines ``before``) for ``key``'s ``value`` if it is plaintext that a shell
    sourcing the decrypted file reads otherwise than python-dotenv: its name and ``=`` (a name a writer cannot
    write bare), or, in a ``sealed`` file, the value itself (a writer spells each value so that both read it alike
    where a spelling does: this one has none)."""
    if not isinstance(value, str) or is_sealed(value):
        return
    if not head_read_alike(line, key, value == ""):
        raise head_misread(_line_of(line, before), key)
    if not sealed:  # a decrypted file: its values spelled as the sealed file read held them
        return
    _, start, end = where(line)
    if start is not None and end is not None and not read_alike(line[start:end], value):
        raise FormatError(f"dotenv line {_line_of(line, before)}: a value left in plaintext that no quoting makes a "
                          "shell sourcing the decrypted file read as python-dotenv does (it holds ' or \\ and also $ "
                          "or `, a carriage return or a NUL), and the seal does not cover its quoting: give it a name "
                          "the file's rule encrypts", keypath=format_keypath((key,)))


def _line_of(line: str, before: list[str]) -> int:
    """Where a binding's own text starts when ``line`` is written after ``before`` (each ended by a line break)."""
    return sum(part.count("\n") + (not part.endswith(("\n", "\r"))) for part in before) + 1 + \
        blank_lines_before(line).count("\n")


_EXPANDED = re.compile(r"`|\$[^\s\"|)]")
"""What a shell expands or runs inside double quotes: a command in backquotes, ``$`` before a name, ``(``, ``{`` or
a special parameter (``$`` before a blank, ``"``, ``|`` or ``)``, as a rule's pattern ends, stays ``$``)."""


def _runs_nothing(spelled: str) -> bool:
    if spelled[:1] == "'":
        return True
    if spelled[:1] == '"':
        return _EXPANDED.search(spelled[1:-1].replace("\\\\", "")) is None
    return _SHELL_LITERAL.match(spelled) is not None


def read_alike(spelled: str, value: str) -> bool:
    """Whether a shell reads ``spelled`` (a value's text on its line, quotes included) as ``value``, which is what
    python-dotenv reads from it (a line break in it as python-dotenv reads a file: LF, as ``decrypt`` prints it)."""
    spelled = spelled.replace("\r\n", "\n")
    if spelled[:1] == "'":
        return spelled[1:-1] == value  # python-dotenv undoes \\ and \' there; a shell nothing
    if spelled[:1] == '"':
        inner = spelled[1:-1]
        return "$" not in inner and "`" not in inner and \
            _DOUBLE_QUOTED_ESCAPES.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), inner) == value
    return spelled == value and _SHELL_LITERAL.match(value) is not None


def as_a_shell_reads(text: str) -> str:
    """A dotenv plaintext as ``decrypt`` prints it: its line breaks as python-dotenv reads them (it opens a file with
    universal newlines), LF. Line breaks are the one layout Git itself changes (``core.autocrlf``), so the seal
    cannot cover them, and a shell reads a CR before LF as the value's last character (``DEBUG=false\\r`` is not
    ``false``): a CRLF file, checked out on Windows or pushed by anyone, prints as python-dotenv and every shell
    read it. A CR alone with text after it on its line is refused before this (``dotenv_refusals``)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text

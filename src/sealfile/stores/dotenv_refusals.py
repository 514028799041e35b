"""Why python-dotenv could not read a dotenv line, and the line an entry is on, for a refusal that names
them: python-dotenv only flags a binding as an error, and counts the blank lines it reads before a
binding as that binding's own, so its line number points at the first of them."""

from __future__ import annotations

import re
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.lines import line_number
from sealfile.model.paths import format_keypath
from sealfile.stores.dotenv_lines import blank_lines_before, dotenv_parser, read_alone, where

OTHER_BLANK = re.compile(r"[^\S \t\r\n]")
"""A blank python-dotenv skips (Python's ``\\s``: NBSP, ``\\v``, ``\\f``, U+001C-001F, U+0085, U+2000-200A...)
that a shell reads as text: before a ``#`` python-dotenv reads a comment, the shell a command."""
LONE_CR = re.compile(r"\r(?!\n)")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def entry_line(binding: Any) -> int:
    """The line a binding's own text starts on (after the blank lines python-dotenv read with it)."""
    raw = binding.original.string
    return int(binding.original.line) + line_number(raw, len(blank_lines_before(raw))) - 1


def invalid_line(binding: Any) -> FormatError:
    """The refusal of a binding python-dotenv could not read: its line, its name where one was read, and
    what is wrong, found by following python-dotenv's own grammar to the step that fails (never the value)."""
    key, cause = _diagnose(binding.original.string)
    return FormatError(f"invalid dotenv line {entry_line(binding)}: {cause}",
                       keypath=format_keypath((key,)) if key else None)


def _diagnose(raw: str) -> tuple[str | None, str]:
    parser = dotenv_parser()
    reader = parser.Reader(read_alone(raw))
    reader.read_regex(parser._multiline_whitespace)
    reader.read_regex(parser._export)
    quote = reader.peek(1)
    try:
        key = parser.parse_key(reader)
    except parser.Error:
        if quote == "'":
            return None, "a name in ' quotes that are never closed"
        return None, "no name before the '='"
    reader.read_regex(parser._whitespace)
    if reader.peek(1) != "=":
        if key and key.endswith(":") and len(key) > 1:
            return key[:-1], f"'{key} value' is YAML's spelling: dotenv needs {key[:-1]}=value"
        return None, "text after the first word that is not '=' and a value (a name holds no spaces)"
    reader.read_regex(parser._equal_sign)
    quote = reader.peek(1)
    try:
        parser.parse_value(reader)
    except parser.Error:
        return key, f"the value's opening {quote} is never closed"
    return key, f"text after the value's closing {quote} (a {quote} inside the value needs a \\ before it)"


def refuse_shell_misreadings(binding: Any) -> None:
    """Refuse layout python-dotenv and a shell read apart: a blank other than a space or tab where python-dotenv
    skips it (around a name, ``export`` or ``=``, before a comment, on a blank line), and a carriage return
    alone, a line break to python-dotenv only. Layout is outside the seal, and ``decrypt`` keeps a dotenv
    file's layout byte for byte: anyone who can push could write ``\\u00a0# $(cmd)``, a comment to every
    sealfile reader and a command to a shell sourcing the decrypted file, or ``#\\r`` before a binding, which
    hides it from the shell."""
    raw = binding.original.string
    if binding.key is None:
        regions = [(0, raw)]
    else:
        key_end, start, end = where(raw)
        after = end if end is not None else key_end
        regions = [(0, raw[:start if start is not None else key_end]), (after, raw[after:])]
    for offset, text in regions:
        lone_cr = LONE_CR.search(text)
        if lone_cr is not None:
            _refuse(binding, offset + lone_cr.start(), "a carriage return alone, which python-dotenv reads as a "
                    "line break and a shell sourcing the decrypted file as text")
        for line in _LINE.finditer(text):
            found = OTHER_BLANK.search(line.group().split("#", 1)[0])
            if found is not None:
                _refuse(binding, offset + line.start() + found.start(), f"a blank that is not a space or tab "
                        f"(U+{ord(found.group()):04X}), which a shell sourcing the decrypted file reads as text "
                        "(a '#' after it starts no comment there)")


def _refuse(binding: Any, index: int, cause: str) -> None:
    line = int(binding.original.line) + line_number(binding.original.string, index) - 1
    raise FormatError(f"invalid dotenv line {line}: {cause}",
                      keypath=format_keypath((binding.key,)) if binding.key else None)

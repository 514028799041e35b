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
_SHELL_LINE_END = re.compile(r"[\r \t]*\n")
"""What may follow a carriage return alone: blanks and line breaks to the shell's line end (``\\r\\r\\n``)."""
_ASCII_OTHER_BLANKS = "\x0b\x0c\x1c\x1d\x1e\x1f"


def may_misread(text: str) -> bool:
    """Whether ``text`` holds any of what :func:`refuse_shell_misreadings` looks for (else it holds none):
    searched with C string scans, a regex over the whole text only when it holds non-ASCII characters."""
    if "'#" in text or '"#' in text or ("\r" in text and LONE_CR.search(text) is not None):
        return True
    if text.isascii():
        return any(char in text for char in _ASCII_OTHER_BLANKS)
    return OTHER_BLANK.search(text) is not None


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


def refuse_shell_misreadings(binding: Any, at: int, text: str) -> None:
    """Refuse layout python-dotenv and a shell read apart (a binding of ``text``, starting at ``at``). Layout is
    outside the seal, and ``decrypt`` keeps a dotenv file's layout byte for byte, so anyone who can push could
    write there what a shell sourcing the decrypted file runs or skips: a blank other than a space or tab where
    python-dotenv skips it (``\\u00a0# $(cmd)`` is a comment to python-dotenv only), a ``#`` right after a
    value's closing quote (``'v'#x $(cmd)``: a shell reads no comment there), and a carriage return alone with
    text after it on the shell's line (``#\\r`` before a binding hides it from a shell; python-dotenv breaks the
    line there)."""
    raw = binding.original.string
    if binding.key is None:
        regions = [(0, raw)]
    else:
        key_end, start, end = where(raw)
        after = end if end is not None else key_end
        regions = [(0, raw[:start if start is not None else key_end]), (after, raw[after:])]
        if raw[after:after + 1] == "#" and start is not None and raw[start:start + 1] in ("'", '"'):
            _refuse(binding, after, "a '#' right after the value, which a shell sourcing the decrypted file "
                    "reads as part of the value (write a space before a comment)")
    for offset, part in regions:
        for lone_cr in LONE_CR.finditer(part):
            if not _SHELL_LINE_END.match(text, at + offset + lone_cr.end()):
                _refuse(binding, offset + lone_cr.start(), "a carriage return alone, a line break to python-"
                        "dotenv, not to a shell sourcing the decrypted file (use LF or CRLF line breaks)")
        for line in _LINE.finditer(part):
            found = OTHER_BLANK.search(line.group().split("#", 1)[0])
            if found is not None:
                _refuse(binding, offset + line.start() + found.start(), f"a blank that is not a space or tab "
                        f"(U+{ord(found.group()):04X}), which a shell sourcing the decrypted file reads as text "
                        "(a '#' after it starts no comment there)")


def _refuse(binding: Any, index: int, cause: str) -> None:
    line = int(binding.original.line) + line_number(binding.original.string, index) - 1
    raise FormatError(f"invalid dotenv line {line}: {cause}",
                      keypath=format_keypath((binding.key,)) if binding.key else None)

"""Why python-dotenv could not read a dotenv line, and the line an entry is on, for a refusal that names
them: python-dotenv only flags a binding as an error, and counts the blank lines it reads before a
binding as that binding's own, so its line number points at the first of them."""

from __future__ import annotations

from typing import Any

from sealfile.errors import FormatError
from sealfile.model.lines import line_number
from sealfile.model.paths import format_keypath
from sealfile.stores.dotenv_lines import blank_lines_before, dotenv_parser, read_alone


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

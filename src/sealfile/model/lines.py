"""Lines as an editor counts them, for error messages: broken at LF, CRLF or a CR alone (YAML and dotenv
break lines at each, and an editor shows a CR-only file's lines so), wherever a message names a line."""

from __future__ import annotations


def line_number(text: str, index: int) -> int:
    """The line (from 1) that ``index`` is on, lines broken at LF, CRLF or a CR alone."""
    return text.count("\n", 0, index) + text.count("\r", 0, index) - text.count("\r\n", 0, index) + 1


def line_start(text: str, index: int) -> int:
    """The start of the line holding ``index`` (a line break is its line's last character): after a
    LF, or after a CR alone (YAML breaks lines at both); the CR of a CRLF ends no line of its own."""
    cr = text.rfind("\r", 0, index)
    if cr == index - 1 and text.startswith("\n", index):
        cr = text.rfind("\r", 0, cr)
    return max(text.rfind("\n", 0, index), cr) + 1


def line_column(text: str, index: int) -> str:
    """``line L, column C`` (from 1) of the character at ``index``."""
    return f"line {line_number(text, index)}, column {index - line_start(text, index) + 1}"

"""yaml.v3's block layout (``SetIndent(4)``, as SOPS prints), for ruamel's emitter.

yaml.v3 nests a block at the next multiple of the indent, not a fixed step past its parent: a
mapping under a list item's key at column 6 starts at 8 (ruamel's fixed step gives 10). A list
item's own block starts two columns past its dash, comments heading a list item's mapping are
printed before the dash (or after it, on its line, when that dash follows another), and a string
quoted for its ``'`` is single-quoted.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.emitter import Emitter
from ruamel.yaml.events import MappingStartEvent, SequenceStartEvent

from sealfile.sops.nodes import Branch, Comment

INDENT = 4
BINARY_TAG = "tag:yaml.org,2002:binary"


def nested_column(column: int) -> int:
    """Where yaml.v3 puts a block nested in one at ``column``: the next multiple of :data:`INDENT`."""
    return INDENT * ((column + INDENT) // INDENT)


class GoEmitter(Emitter):
    """ruamel's emitter with yaml.v3's indentation: a collection or block scalar that is a list item
    starts two columns after its dash; any other nested block at :func:`nested_column`."""

    def increase_indent(self, flow: bool = False, sequence: bool | None = None, indentless: bool = False) -> None:
        if self.indent is None or (flow and sequence is not None):  # the top level, or a flow {} or []
            super().increase_indent(flow, sequence, indentless)
            return
        self.indents.append(self.indent, sequence)
        self.indent = self.indent + 2 if self.indents.last_seq() else nested_column(self.indent)

    #: Off for a SOPS file's own text, whose comments must stay where yaml.v3 reads them back.
    dash_line_comments = True

    def write_pre_comment(self, event: Any) -> bool:
        """A comment heading a list's first item, where that list is itself a list item (``- - # c``), is
        printed after the outer dash on its line, as yaml.v3 prints it; ruamel breaks the line first."""
        comments = event.comment[1] if event.comment else None
        if not (comments and self.column and self.indention and self.dash_line_comments):
            return bool(super().write_pre_comment(event))
        start = isinstance(event, (MappingStartEvent, SequenceStartEvent))
        for number, comment in enumerate(item for item in comments if not (start and getattr(item, "pre_done", None))):
            if number:
                self.write_comment(comment, pre=True)
            else:  # one space after the dash, whatever the comment's own column
                self.stream.write(" " + comment.value.lstrip(" "))
            self.column, self.line, self.indention, self.whitespace = 0, self.line + 1, True, True
            if start:
                comment.pre_done = True
        return True

    def choose_scalar_style(self) -> Any:
        """Single quotes (``''`` inside) for a one-line string with a ``'`` that cannot be plain, as yaml.v3
        picks them; ruamel double-quotes it. One line of base64 tagged ``!!binary`` is plain, as yaml.v3
        prints it (ruamel quotes a scalar whose tag is not the one its text resolves to)."""
        if self.event.tag == BINARY_TAG and "\n" not in self.event.value:
            return ""
        style = super().choose_scalar_style()
        value, analysis = self.event.value, self.analysis
        if style == '"' and not self.event.style and "'" in value and "\n" not in value and analysis is not None \
                and analysis.allow_single_quoted:
            return "'"
        return style

    def write_double_quoted(self, text: Any, split: Any = True) -> None:
        """yaml.v3 escapes a character beyond the BMP (not ``is_printable`` to it); ruamel writes it as it is."""
        if not _BEYOND_BMP.search(text):
            super().write_double_quoted(text, split)
            return
        stream = self.stream
        self.stream = _BeyondBmpEscaped(stream)
        try:
            super().write_double_quoted(text, split)
        finally:
            self.stream = stream


class SopsFileEmitter(GoEmitter):
    """For a SOPS file's text: comments stay on lines of their own, where SOPS's reader finds them."""

    dash_line_comments = False


class _BeyondBmpEscaped:
    """A stream that writes each character beyond the BMP as yaml.v3 does inside double quotes: ``\\U0001F600``."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, data: str) -> None:
        self._stream.write(_BEYOND_BMP.sub(lambda found: f"\\U{ord(found.group()):08X}", data))


_BEYOND_BMP = re.compile("[\U00010000-\U0010FFFF]")


def heading_comments(value: Any) -> tuple[list[str], Any]:
    """The comments before a list item mapping's first key, which yaml.v3 prints before the item's
    dash, and the mapping without them (a mapping of comments alone keeps them). For a list item that
    is a list, the comments before its first item, and those its first item (a mapping) has, go there
    too: one level up, as yaml.v3 prints a nested list's first head comment."""
    if isinstance(value, list) and not isinstance(value, Branch):
        count = next((index for index, item in enumerate(value) if not isinstance(item, Comment)), None)
        if count is None:
            return [], value
        inner, first = heading_comments(value[count]) if isinstance(value[count], Branch) else ([], value[count])
        return [item.text for item in value[:count]] + inner, [first, *value[count + 1:]]
    if not isinstance(value, Branch):
        return [], value
    count = next((index for index, item in enumerate(value) if not isinstance(item.key, Comment)), 0)
    return [item.key.text for item in value[:count] if isinstance(item.key, Comment)], Branch(value[count:])

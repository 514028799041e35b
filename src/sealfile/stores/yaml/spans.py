"""Where a scalar's value is written, when its node's marks do not say: the spans sealing replaces.

A node's ``[start, end)`` is its value's text, except for an empty value (``key:``, a bare ``-``), whose span is the
empty place right after the ``:`` or ``-``, and a block scalar whose header sits under its key at the key's column or
left of it (``key:`` then ``|`` on the next line, which libyaml reads): a token there would start a new key, so its span
starts right after the key's ``:``. Node properties (anchors, tags) are also read here, for :func:`bare_tag_at`.
"""

from __future__ import annotations

import re

from sealfile.errors import FormatError
from sealfile.model.lazy_pattern import compiled_when_used
from sealfile.model.lines import line_start

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

_gap = compiled_when_used(r"(?:[ \t\r\n]|#[^\r\n]*)*+")
"""Spaces, line breaks and comments: always matches."""
_anchor = compiled_when_used(r"&[^\s,\[\]{}]*")
_bare_tag = compiled_when_used(r"!(?:[\s,\]}]|\Z)")
_tag = compiled_when_used(r"![^\s,\[\]{}]*")


def value_span(text: str, node: Any, key_node: Any) -> tuple[int, int]:
    """Where ``node``'s value is written (``key_node``: its key's node, ``None`` in a sequence)."""
    start, end = node.start_mark.index, node.end_mark.index
    if key_node is not None and start < key_node.end_mark.index:  # an alias: the node's marks are its anchor's
        end = _alias_end(text, key_node.end_mark.index)
        return text.rfind("*", key_node.end_mark.index, end), end
    if start == end:
        start = end = _after_indicator(text, node, key_node)
    elif (node.style in ("|", ">") and key_node is not None and node.start_mark.line > key_node.start_mark.line
          and node.start_mark.column <= key_node.start_mark.column):
        start = _after_indicator(text, node, key_node)
    return start, end


def line_after(text: str, node: Any, key_node: Any = None) -> int:
    """The start of the line after ``node``'s text; for a block collection, after its deepest last value. An empty value
    ends where its span is (right after its ``:``): ruamel's engines put its marks in different places (the pure one at
    the next token, past blank and comment lines), and every edit placed after it must be the same on both."""
    if key_node is not None and node.start_mark.index < key_node.end_mark.index:  # an alias: its anchor's node
        return next_line(text, _alias_end(text, key_node.end_mark.index))
    while isinstance(node.value, list) and node.value and not node.flow_style:
        last = node.value[-1]
        lower = last[0].end_mark.index if isinstance(last, tuple) else _item_start(text, node)
        node, key_node = (last[1], last[0]) if isinstance(last, tuple) else (last, None)
        if node.start_mark.index < lower:  # an alias: the node is its anchor's, written before
            return next_line(text, _alias_end(text, lower))
    end = int(node.end_mark.index)
    if end == node.start_mark.index and isinstance(node.value, str):
        end = value_span(text, node, key_node)[1]
    if end > 0 and (text[end - 1] == "\n" or (text[end - 1] == "\r" and not text.startswith("\n", end))):
        return end
    return next_line(text, end)


def before_blank_lines(text: str, start: int, end: int, indent: int | None = None) -> int:
    """``end`` back over the blank lines that the block scalar written from ``start`` takes in (not ``|+``'s, which are
    its text): libyaml ends the scalar after them, yet they part entries, and stay where the value is removed or written
    afresh. Lines end at LF, CRLF or a CR alone. A line of more spaces than :func:`_surely_blank_width` may be text
    (``indent``: the entry's, its key's or dash's column, if known)."""
    if keeps_trailing_lines(text, start):
        return end
    widest = None  # read only for a line of spaces (most blocks have none after them)
    while end > start and text[end - 1] in "\r\n":
        line = line_start(text, end - 1)
        blank = text[line:end].rstrip("\r\n")
        if line <= start or blank.strip(" "):
            break
        if blank and widest is None:
            widest = _surely_blank_width(text, start, end, indent)
        if len(blank) > (widest or 0):
            break
        end = line
    return end


def _surely_blank_width(text: str, start: int, end: int, indent: int | None) -> int:
    """The most spaces a line after the block scalar written over ``[start, end)`` may hold and still be blank, not
    its text: its text's indentation. With no indentation indicator, that of its first line of text (libyaml's rule).
    Else the indicator past the entry's indentation (libyaml's), or one past it for an empty block (its text is
    indented past the entry's). Unknown, the line the entry starts on gives at least as little; a header first on its
    own line gives nothing."""
    header = gap_end(text, start)
    indicator = _block_indicator().search(text[header:next_line(text, header)].rstrip("\r\n"))
    digits = "".join(filter(str.isdigit, indicator.group(1))) if indicator else ""
    first = None if digits else _text_char().search(text, next_line(text, header), end)
    if first is not None:
        return first.start() - line_start(text, first.start())
    if indent is None:
        before = text[line_start(text, start):start]
        if not before.strip(" ") and text.startswith(("|", ">", "!", "&"), start):
            return int(digits or 0)
        indent = len(before) - len(before.lstrip(" "))
    return indent + int(digits or 1)


_text_char = compiled_when_used(r"[^ \r\n]")


def keeps_trailing_lines(text: str, start: int) -> bool:
    """Whether the block scalar written from ``start`` (its properties, its header, or the ``:`` before it)
    keeps its trailing line breaks: its header's chomping indicator is ``+`` (a comment's ``+`` is not)."""
    header = gap_end(text, start)
    found = _block_indicator().search(text[header:next_line(text, header)].rstrip("\r\n"))
    return found is not None and "+" in found.group(1)


_block_indicator = compiled_when_used(r"(?:^|[ \t])[|>]([-+0-9]*)(?=[ \t]|$)")


def entry_end(text: str, node: Any, key_node: Any = None) -> int:
    """Where what follows an entry begins: :func:`line_after`, but before the blank lines that a block
    scalar at its (deepest last) end takes in, which part it from the next entry: a new entry goes
    right after the value, and those lines stay between the entries."""
    end = line_after(text, node, key_node)
    node = _deepest_last(node)
    if getattr(node, "style", None) in ("|", ">") and isinstance(node.value, str):
        return before_blank_lines(text, node.start_mark.index, end)
    return end


def value_before(parent: Any, key_node: Any, slot: Any) -> Any:
    """The value of the entry before the one of key ``key_node`` (item ``slot`` in a list) in ``parent``."""
    index = [key for key, _ in parent.value].index(key_node) if key_node is not None else slot
    before = parent.value[index - 1] if index > 0 else None
    return before[1] if isinstance(before, tuple) else before


def keeps_lines_up_to(text: str, node: Any, position: int) -> bool:
    """Whether the value ``node`` (a block collection: its deepest last value) is a block scalar that keeps
    its trailing lines (``|+``) and ends at ``position``: blank lines left there would become its text."""
    if node is None:
        return False
    node = _deepest_last(node)
    return (getattr(node, "style", None) in ("|", ">") and isinstance(node.value, str)
            and node.end_mark.index == position and keeps_trailing_lines(text, node.start_mark.index))


def past_blank_lines(text: str, position: int) -> int:
    """Past the lines of only spaces from ``position`` (a line start), at any line break (the text's last
    line may lack one)."""
    found = _blank_lines().match(text, position)  # always: it may be empty
    return found.end() if found else position


_blank_lines = compiled_when_used(r"(?: *(?:\r\n?|\n))*+(?: *\Z)?")


def _deepest_last(node: Any) -> Any:
    while isinstance(node.value, list) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node


def next_line(text: str, index: int) -> int:
    """The start of the line after the one holding ``index`` (the text's end on its last line)."""
    line_break = _line_break().search(text, index)
    return len(text) if line_break is None else line_break.end()


def line_break_from(text: str, index: int, end: int | None = None) -> re.Match[str] | None:
    """The first line break at or after ``index`` (before ``end``): LF, CRLF or a CR alone, as one."""
    return _line_break().search(text, index, len(text) if end is None else end)


_line_break = compiled_when_used(r"\r\n?|\n")


_alias_token = compiled_when_used(r"(?:[ \t\r\n:?,\[{-]|#[^\r\n]*)*+\*[A-Za-z0-9_-]*")
"""What comes between a key (or the item before) and an alias that is its value, and the alias."""


def _alias_end(text: str, lower: int) -> int:
    """The end of the alias ``*name`` that is the first value written from ``lower`` (a node's marks are
    its anchor's: the alias's own place is not in them)."""
    found = _alias_token().match(text, lower)
    return found.end() if found else lower


def alias_span(text: str, key_node: Any, sequence: Any, index: Any) -> tuple[int, int]:
    """Where the alias ``*name`` written as the value of ``key_node``, or as item ``index`` of
    ``sequence``, is (a node's marks are its anchor's)."""
    lower = key_node.end_mark.index if key_node is not None else _item_start(text, sequence, index)
    end = _alias_end(text, lower)
    return text.rfind("*", lower, end), end


def _item_start(text: str, sequence: Any, index: int = -1) -> int:
    """Where a sequence's item ``index`` (its last) is written from: the end of the item before it
    (an alias's own, for an alias), or the sequence's start."""
    lower = sequence.start_mark.index
    for item in sequence.value[:index]:
        lower = _alias_end(text, lower) if item.start_mark.index < lower else item.end_mark.index
    return int(lower)


def where(node: Any) -> str:
    """A node's place, for a message: ``line L, column C``."""
    return f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"


def bare_tag_at(text: str, node: Any) -> bool:
    """Whether ``node`` is tagged ``!`` alone (before or after an anchor)."""
    start = node.start_mark.index
    anchor = _anchor().match(text, start)
    return _bare_tag().match(text, gap_end(text, anchor.end()) if anchor else start) is not None


def written_tag(text: str, node: Any) -> str:
    """``node``'s tag as its text spells it (``!Ref``, ``!<!Ref>``, ``!e!Ref``), before or after an anchor; ``""``
    for none."""
    start, end = tag_span(text, node)
    return text[start:end]


def tag_span(text: str, node: Any) -> tuple[int, int]:
    """Where ``node``'s tag is written, before or after an anchor (empty where it has none)."""
    start = node.start_mark.index
    anchor = _anchor().match(text, start)
    found = _tag().match(text, gap_end(text, anchor.end()) if anchor else start)
    return found.span() if found else (start, start)


def _after_indicator(text: str, node: Any, key_node: Any) -> int:
    """Right after the ``:`` that follows the key, or the ``-`` before the value."""
    if key_node is None:
        return text.rfind("-", 0, node.start_mark.index + 1) + 1
    colon = gap_end(text, key_node.end_mark.index)
    if not text.startswith(":", colon):
        where = f"line {key_node.start_mark.line + 1}, column {key_node.start_mark.column + 1}"
        raise FormatError(f"a key with no ':' after it (as b in '{{a: 1, b}}', or a '?' key with no value) is not "
                          f"supported ({where}): write ':' after the key")
    return colon + 1


def gap_end(text: str, index: int) -> int:
    found = _gap().match(text, index)
    return found.end() if found else index


_document_end = compiled_when_used(r"^\.\.\.(?=[ \t\r\n]|\Z)", re.MULTILINE)


def first_key_place(text: str) -> int:
    """Where a text with no key yet (empty, comments, ``---``) takes its first: before its ``...``
    document end marker (after one, libyaml wants a new ``---``), else at its end."""
    end = _document_end().search(text)
    return end.start() if end else len(text)


def may_alias(text: str) -> bool:
    """Whether a text may hold an alias or a merge: an anchor (``&name``), or ``<<``. One character is
    found with ``memchr``; a search for ``"<<"`` walks a big text at a fraction of that speed."""
    return "&" in text or ("<" in text and "<<" in text)


def past_comments(text: str, position: int, column: int) -> int:
    """Past the comment lines from ``position`` on indented deeper than ``column``: they sit inside
    the entry removed, and after the value before it (a block scalar) they would become its text."""
    while position < len(text):
        line_end = next_line(text, position)
        words = text[position:line_end].lstrip(" ")
        if not words.startswith("#") or line_end - position - len(words) <= column:
            break
        position = line_end
    return position


def beside_comment(text: str, after_key: int, start: int, end: int, block: bool) -> str:
    """The comment ending the line of a block entry's key or dash (which ends at ``after_key``) with the
    blanks before it, ``""`` if none, when it is beside the key or the value rather than inside the value
    (``[start, end)``; ``block``: a block collection): the value starts on a later line, or on this line
    after its properties only (a block collection's anchor or tag, a block scalar's header, an alias), or
    starts and ends on it (a scalar, a flow collection). A value written afresh keeps it on its first line."""
    found = line_break_from(text, after_key)
    line_end = len(text) if found is None else found.start()
    if start > line_end:
        position = after_key
    elif text.startswith(("&", "!", "|", ">", "*"), start):  # none holds a blank then '#'
        position = start
    elif block or end > line_end:  # compact content (``- a: 1``), or a value over several lines: its own
        return ""
    else:
        position = end
    comment = _comment_on_line().match(text, position, line_end)
    return "" if comment is None else comment[1]


_comment_on_line = compiled_when_used(r"[^\r\n]*?([ \t]+#[^\r\n]*)")


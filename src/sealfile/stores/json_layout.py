"""A value tree spliced into the JSON text it came from (:func:`splice`), where
:mod:`~sealfile.stores.json_spans` found each value: an unchanged scalar keeps its bytes, a changed
one is written afresh (or with the spelling its token recorded), a mapping keeps its members' text
and spacing (members removed are cut, new ones written afresh) unless its members changed order, and
anything else is written afresh at its place. The caller checks the result reads back as the tree.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sealfile.model.scalars import TOKEN_TEXT, same_data
from sealfile.stores import json_spans
from sealfile.stores.base import dominant_line_break
from sealfile.stores.json_spans import LITERALS, Node

_ONE_LINE = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
_CANONICAL = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode
_LINE_INDENT = re.compile(r"[ \t]*")
_ANY_TOKEN = re.compile(f'"{TOKEN_TEXT}"')  # a JSON string holding a sealed value, as is_sealed reads one


class Spelled:
    """A scalar with the source text it was sealed from (docs/format.md §5.1)."""

    __slots__ = ("spelling", "value")

    def __init__(self, value: Any, spelling: str) -> None:
        self.value, self.spelling = value, spelling

    def __repr__(self) -> str:  # a decrypted value must never reach a log through a repr
        return f"Spelled(<{type(self.value).__name__}>)"


def fresh(value: Any, indent: str | None, line_indent: str = "", newline: str = "\n") -> str:
    """``value`` written afresh: ``indent`` per level (``None``: on one line), continuation lines
    after ``newline`` (the text's line break) and ``line_indent`` (the indentation of the line it starts on)."""
    if isinstance(value, Spelled):  # a scalar with its source text: written as it was (an escape stays one)
        return value.spelling
    if indent is None:
        return _ONE_LINE(plain(value))
    written = json.dumps(plain(value), indent=indent, ensure_ascii=False, allow_nan=False)
    return written.replace("\n", newline + line_indent) if line_indent or newline != "\n" else written


def plain(value: Any) -> Any:
    """The tree without :class:`Spelled` wrappers."""
    if isinstance(value, Spelled):
        return value.value
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def indent_unit(text: str) -> str | None:
    """The indentation one level adds in ``text`` (its first indented line's), ``None`` if the text is one line."""
    if not _breaks(text.strip()):
        return None
    match = re.search(r"[\r\n]([ \t]+)\S", text)
    return match.group(1) if match else "  "


class _Pieces(list[str]):
    """The pieces of one splice's text, and the text's most common line break, counted on first use and kept
    by this splice alone: a module-level cache of it would keep the last texts written (plaintexts) alive."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text, self._newline = text, ""

    @property
    def newline(self) -> str:
        if not self._newline:
            self._newline = dominant_line_break(self._text)
        return self._newline


def splice(text: str, root: Node, tree: Any, unit: str | None) -> str:
    """``text`` (whose layout is ``root``) holding ``tree``: see the module docstring."""
    out = _Pieces(text)
    out.append(text[:root.start])
    _write(text, root, tree, unit, out, top=True)
    out.append(text[root.end:])
    return "".join(out)


def _write(text: str, node: Node, value: Any, unit: str | None, out: _Pieces, top: bool = False) -> None:
    if node.members is not None and isinstance(value, dict) and _keeps_order(node.members, value) \
            and (top or not _opened_flat(text, node, value, unit)):
        _write_mapping(text, node, value, unit, out)
    elif node.items is not None and isinstance(value, list) and (node.items or not value):
        _write_list(text, node, node.items, value, unit, out)
    elif node.members is None and node.items is None and not isinstance(value, (dict, list)):
        out.append(_scalar(text[node.start:node.end], value))
    else:
        out.append(fresh(value, unit, _indent_at(text, node.start), out.newline))


def _opened_flat(text: str, node: Node, value: Any, unit: str | None) -> bool:
    """Whether ``value`` goes where an empty ``{}`` written on one line is, in a text laid out on lines: then
    it is written afresh, on lines as a list given its first items is (or a null given a mapping); the
    braces' inner spacing says nothing of how the file lays out members. (Not one written over lines: the
    members go between its braces as the lines say; nor the document's own, which sealing gives the
    metadata member and opening takes it from, giving its text back.)"""
    return bool(value) and not node.members and unit is not None and not _breaks(text[node.start:node.end])


def _write_list(text: str, node: Node, items: list[Node], value: list[Any], unit: str | None, out: _Pieces) -> None:
    """Items kept at their places with the separators before them: those the old list starts and ends
    with (by value) in their own text, the rest written over the old items in order; items beyond
    them written afresh after the last separator; the brackets' inner spacing kept. Tokens match any
    token: a token sealed again for its item's new place still finds that item's old text."""
    if not items:
        out.append(text[node.start:node.end])
        return
    old = [_ANY_TOKEN.sub("T", canonical(json.loads(text[item.start:item.end]))) for item in items]
    new = [_ANY_TOKEN.sub("T", canonical(item)) for item in value]
    shift, head = len(items) - len(value), 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    separator = text[items[-2].end:items[-1].start] if len(items) > 1 else ", "
    out.append(text[node.start:items[0].start] if value else "[")
    for index, item_value in enumerate(value):
        at = index + shift if index >= len(value) - tail else index
        if index:
            out.append(text[items[at - 1].end:items[at].start] if 0 < at < len(items) else separator)
        if at < len(items):
            _write(text, items[at], item_value, unit, out)
        else:
            out.append(fresh(item_value, unit if _breaks(separator) else None, _indent_at(text, items[-1].start),
                             out.newline))
    out.append(text[items[-1].end:node.end])


def _keeps_order(members: list[tuple[str, int, int, Node]], value: dict[Any, Any]) -> bool:
    """Whether the members ``value`` keeps are in their old order (others may be removed or added anywhere)."""
    old = {member[0] for member in members}
    return [member[0] for member in members if member[0] in value] == [key for key in value if key in old]


def _write_mapping(text: str, node: Node, value: dict[Any, Any], unit: str | None, out: _Pieces) -> None:
    """Kept members with their own text and the text before them, removed ones cut with the text
    before them, new ones written afresh, separated and indented as the last two members are."""
    members = node.members or []
    if members:
        lead = text[node.start + 1:members[0][1]]
        trail = text[members[-1][3].end:node.end - 1]
        separator = (text[members[-2][3].end:members[-1][1]] if len(members) > 1
                     else "," + lead if _breaks(lead) else ", ")
        colon = text[members[-1][2]:members[-1][3].start]
    else:
        lead, trail, separator, colon = text[node.start + 1:node.end - 1], "", ", ", ": "
        if value and _breaks(lead):  # ``{`` and ``}`` on lines of their own: a member between, one level in
            cut = _line_start(lead, len(lead))
            newline = out.newline
            lead, trail = lead[:cut] + _indent_at(text, node.start) + (unit or "  "), newline + lead[cut:]
            separator = "," + lead[_line_start(lead, cut) - 1:]
    on_lines = _breaks(separator) or _breaks(lead)
    index_of = {member[0]: index for index, member in enumerate(members)}
    out.append("{")
    for written, key in enumerate(value):
        index = index_of.get(key)
        if index is None:
            out.append(separator if written else lead)
            # only for a new member: on a one-line file the search for the line's start runs back to the text's start
            line_indent = _indent_at(text, members[-1][1]) if members else lead[_line_start(lead, len(lead)):]
            out.append(json.dumps(key, ensure_ascii=False) + colon + fresh(value[key], unit if on_lines else None,
                                                                             line_indent, out.newline))
            continue
        _, key_start, _, child = members[index]
        if written:
            out.append(text[members[index - 1][3].end:key_start] if index else separator)
        else:
            out.append(_lead_for(lead, text[members[index - 1][3].end:key_start] if index else lead))
        out.append(text[key_start:child.start])
        _write(text, child, value[key], unit, out)
    out.append((trail if value else _emptied(lead, trail)) + "}")


def _emptied(lead: str, trail: str) -> str:
    """The text between the braces of a mapping whose members are all removed: the lines before its first
    member, then the closing brace's indentation (the text after the last one's last line), which undoes a
    member written into an empty mapping over lines; on one line, the text after the last member (else
    the one before the first), as an emptied list does: both would leave a line of blanks between the braces."""
    if not _breaks(trail):
        return trail or lead
    return lead[:_line_start(lead, len(lead))] + trail[_line_start(trail, len(trail)):]


def _lead_for(lead: str, own: str) -> str:
    """The text before a first member: the brace's line break, then the indentation the member had where it
    stood (in a file written comma first, ``\n  ,"b"``, the indentation before its comma)."""
    if not _breaks(lead) or not _breaks(own):
        return lead
    return lead[:_line_start(lead, len(lead))] + own[_line_start(own, len(own)):].split(",")[0]


def _breaks(text: str) -> bool:
    """Whether ``text`` holds a line break: JSON's whitespace has LF and CR, and a file may end its lines
    in either (CRLF, or a CR alone)."""
    return "\n" in text or "\r" in text


def _line_start(text: str, position: int) -> int:
    return max(text.rfind("\n", 0, position), text.rfind("\r", 0, position)) + 1


def _indent_at(text: str, position: int) -> str:
    match = _LINE_INDENT.match(text, _line_start(text, position))
    return match.group(0) if match else ""


def _scalar(source: str, value: Any) -> str:
    """A scalar's text: its recorded spelling, else its own bytes if they still read as it, else afresh."""
    if isinstance(value, Spelled):
        if _reads_as(value.spelling, value.value):
            return value.spelling
        value = value.value
    written = fresh(value, None)
    if source == written or (spelled_otherwise(source) and _reads_as(source, value)):
        return source
    return written


def spelled_otherwise(spelling: str) -> bool:
    """Whether a scalar's JSON text is not what sealfile writes for its value (an escape, ``1.50``,
    ``-0``), without reading it when it cannot be: a string without a backslash and an integer are
    written as they read, and ``true``, ``false`` and ``null`` have one spelling."""
    if (spelling[0] == '"' and "\\" not in spelling) or spelling in LITERALS:
        return False
    if spelling[0] != '"' and not any(mark in spelling for mark in ".eE") and spelling != "-0":
        return False
    return fresh(json.loads(spelling), None) != spelling


def canonical(tree: Any) -> str:
    """One text per JSON value: equal exactly when the values are (types and key order included)."""
    return _CANONICAL(plain(tree))


def _reads_as(spelling: str, value: Any) -> bool:
    try:
        read = json.loads(spelling)
    except ValueError:
        return False
    return type(read) is type(value) and same_data(read, value)


def grafted(text: str, other: str, path: tuple[Any, ...], *, empty: bool = False) -> str:
    """``text`` with its mapping or list at ``path`` written as ``other`` writes its one there (escapes, number
    spellings, ``{}`` on one line), where both are the same kind and start on lines indented alike (so the
    lines inside line up), and with ``empty``, where both are empty; else ``text``. The caller checks the result
    reads as it means."""
    mine, theirs = json_spans.layout(text), json_spans.layout(other)
    here = json_spans.node_at(mine, path) if mine is not None else None
    there = json_spans.node_at(theirs, path) if theirs is not None else None
    if here is None or there is None or text[here.start] not in "{[" or text[here.start] != other[there.start] \
            or _indent_at(text, here.start) != _indent_at(other, there.start) \
            or (empty and (here.members or here.items or there.members or there.items)):
        return text
    return text[:here.start] + other[there.start:there.end] + text[here.end:]

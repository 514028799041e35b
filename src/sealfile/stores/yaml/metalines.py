"""The ``sealfile:`` block of a file the line scan reads (:mod:`.fastscan`), read line by line as ruamel's
safe constructor would build it, for the block as sealfile writes it: block mappings and lists of
mappings, the one-line values :mod:`.linevalues` reads (with nothing after them), and literal block
scalars (``|`` or ``|-``, no blank line inside). Anything else gives ``None``, and
ruamel reads the block (:func:`read_metadata_block`), as it does to make the block's nodes when an
edit asks for them. The test suite compares the two on every sealed file it reads (:mod:`.scan_check`).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from itertools import accumulate

from sealfile.errors import FormatError
from sealfile.stores.yaml.linevalues import line_value, literal_block
from sealfile.stores.yaml.plain_tags import STR_TAG, plain_tag
from sealfile.stores.yaml.scanned import Scan

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

_ENTRY = re.compile(r"( *)(- +)?([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?$")
_DEEPEST = 48
"""The deepest column a collection of the block may start at here: every level nests one column deeper
at least, so this bounds the recursion (sealfile's own blocks stay under column 16)."""


class _Unread(Exception):
    """The block is not in the subset: ruamel reads it."""


def metadata_lines(text: str, start: int) -> tuple[Any, int] | None:
    """The value of the ``sealfile:`` key whose line starts at ``start``, and where the block ends: the start of
    the line after its last value (what :func:`.spans.line_after` gives for its node). Only blank lines and
    comments may follow it, as sealing a plaintext that ends with comments (commented-out settings, indented
    as they would be), or without a line break, writes it; ``None`` when the block is not in the subset."""
    end, indented = len(text), False
    while True:  # the blank and comment lines after the block are no value's: a comment at column 0 ends any
        last = text.rfind("\n", start, end - 1) + 1  # the last line's start
        line = text[last:end].rstrip("\n")
        if last <= start or (line and not line.lstrip(" ").startswith("#")):
            break
        indented = indented or line.startswith(" ")
        end = last
    lines = _Lines(text[start:end])
    if lines[0] != "sealfile:":
        return None
    if lines[-1] == "":
        lines.pop()
    try:
        value, read = _collection(lines, 1, 0)
    except _Unread:
        return None
    if read != len(lines) or (indented and lines.literal_end == read):
        return None  # an indented comment after a last block scalar may be its text: ruamel decides
    while lines.literal_end == read and text.startswith("\n", end):
        end += 1  # a last block scalar's node takes the blank lines after it (its chomping drops them)
    return value, end


class _Lines(list[str]):
    """The block's lines, with the text they are of and where each starts in it."""

    def __init__(self, text: str) -> None:
        super().__init__(text.split("\n"))
        self.text = text
        self.literal_end = -1
        """The index of the line after the last literal block scalar read."""
        self.starts = list(accumulate((len(line) + 1 for line in self[:-1]), initial=0))


def _collection(lines: _Lines, index: int, parent: int) -> tuple[Any, int]:
    """The block collection starting at ``lines[index]``, nested under a key at column ``parent``."""
    match = _ENTRY.match(lines[index]) if index < len(lines) else None
    if match is None:
        raise _Unread
    column = len(match[1])
    if column > _DEEPEST:
        raise _Unread  # ruamel reads it, and refuses what is nested too deep
    if match[2] is not None:
        if column < parent:
            raise _Unread
        return _list(lines, index, column)
    if column <= parent:
        raise _Unread
    return _mapping(lines, index, column, {})


def _list(lines: _Lines, index: int, column: int) -> tuple[list[Any], int]:
    """A block list of mappings at ``column`` (each item ``- key: ...``, its other keys under the first)."""
    items: list[Any] = []
    while index < len(lines):
        match = _ENTRY.match(lines[index])
        if match is None or match[2] is None or len(match[1]) != column:
            break
        mapping: dict[str, Any] = {}
        items.append(mapping)
        index = _entry(lines, index, match, column + len(match[2]), mapping)
        index = _mapping(lines, index, column + len(match[2]), mapping)[1]
    return items, index


def _mapping(lines: _Lines, index: int, column: int, mapping: dict[str, Any]) -> tuple[dict[str, Any], int]:
    while index < len(lines):
        match = _ENTRY.match(lines[index])
        if match is None or match[2] is not None or len(match[1]) != column:
            break  # the end of this mapping, or a line the top level finds unread
        index = _entry(lines, index, match, column, mapping)
    return mapping, index


def _entry(lines: _Lines, index: int, match: re.Match[str], column: int, mapping: dict[str, Any]) -> int:
    """Read the ``key: value`` on ``lines[index]`` (key at ``column``) into ``mapping``; the next line's index."""
    key, rest = match[3], match[4]
    if key in mapping or plain_tag(key) != STR_TAG:
        raise _Unread
    if rest is None:
        mapping[key], index = _collection(lines, index + 1, column)
        return index
    if rest in ("|", "|-"):
        mapping[key], index = _literal(lines, index + 1, column, keep_break=rest == "|")
        return index
    mapping[key] = _scalar(rest)
    return index + 1


def _literal(lines: _Lines, index: int, column: int, *, keep_break: bool) -> tuple[str, int]:
    """A literal block scalar (:func:`.linevalues.literal_block`) whose lines start at ``lines[index]``,
    and the index of the line after it."""
    if index >= len(lines):
        raise _Unread
    found = literal_block(lines.text, lines.starts[index], column, keep_break)
    if found is None:
        raise _Unread
    value, end = found
    lines.literal_end = bisect_left(lines.starts, end, lo=index)
    return value, lines.literal_end


def _scalar(rest: str) -> Any:
    """A one-line value as ruamel builds it (:func:`.linevalues.line_value`, nothing after it), else ``_Unread``."""
    found = line_value(rest) if rest else None
    if found is None or found[2] != len(rest):
        raise _Unread
    return found[0]


def read_metadata_block(scanned: Scan, text: str, start: int, full_scan: Callable[[str], Scan]) -> bool:
    """The ``sealfile:`` block, read by ruamel on its own, its nodes' marks then moved to where the
    block is in the whole text (it starts a line, so columns stay). A block ruamel refuses is left to
    the whole text's parse, whose message gives the right line."""
    try:
        block = full_scan(text[start:])
    except FormatError:
        return False
    if (block.metadata_node is None or block.tree != {} or block.multi or block.leaves or block.copies
            or block.metadata_own_document):
        return False
    line = text.count("\n", 0, start)
    pending = [block.metadata_key_node, block.metadata_node]
    seen: set[int] = set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            return False  # an alias: the whole text's parse decides
        seen.add(id(node))
        node.start_mark, node.end_mark = _moved(node.start_mark, start, line), _moved(node.end_mark, start, line)
        if isinstance(node.value, list):
            pending.extend(part for entry in node.value for part in (entry if isinstance(entry, tuple) else (entry,)))
    scanned.metadata, scanned.metadata_key_node = block.metadata, block.metadata_key_node
    scanned.metadata_node = block.metadata_node
    return True


def _moved(mark: Any, index: int, line: int) -> Any:
    return type(mark)(mark.name, mark.index + index, mark.line + line, mark.column, mark.buffer, mark.pointer)

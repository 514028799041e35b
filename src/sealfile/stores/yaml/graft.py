"""Writing a node of one YAML text into another as it is written there: its aliases, anchors and
merge keys included, which a value written afresh from data would lose (an alias would become a copy
that no longer follows its anchor, an anchor aliased elsewhere would leave those aliases naming nothing).

Git's merge driver takes theirs' change this way where it holds aliases or application tags. What a graft gives is only
a candidate: the caller reads it back and compares it with what it means to write.
"""

from __future__ import annotations

import re

from sealfile.errors import KeyPathError
from sealfile.model.lines import line_start
from sealfile.model.paths import Path, encode_path
from sealfile.stores.base import line_break
from sealfile.stores.yaml.alias_paths import alias_at
from sealfile.stores.yaml.scalars import empty_value_start
from sealfile.stores.yaml.scan import Scan
from sealfile.stores.yaml.spans import beside_comment, line_after

Span = tuple[int, int, int, bool]
"""``(start, end, column, block)`` of a value as written: a block collection's span runs to the start of
the line after it."""


def node_span(scanned: Scan, path: Path) -> Span:
    """Where the value at ``path`` is written (:class:`KeyPathError`: nothing is written there)."""
    text = scanned.text
    found = scanned.containers.get(encode_path(path))
    if found is not None:
        key_node, node = found
        start = node.start_mark.index
        if node.flow_style or not node.value:
            return start, node.end_mark.index, node.start_mark.column, False
        return start, line_after(text, node, key_node), node.start_mark.column, True
    encoded = encode_path(path)
    leaf = next((leaf for leaf in scanned.leaves if leaf.encoded_path == encoded), None)
    if leaf is not None:
        block = leaf.node.style in ("|", ">")
        node_start = leaf.node_start()  # with its anchor and tag, which a value written otherwise may not keep
        start = node_start if path in scanned.tagged or text.startswith("&", node_start) else leaf.start
        return start, leaf.end, start - line_start(text, start), block
    _node, _key, (start, end) = alias_at(scanned, path)
    return start, end, start - line_start(text, start), False


def graft(text: str, scanned: Scan, path: Path, source: Scan) -> str:
    """``text`` (read as ``scanned``) with the value written at ``path`` replaced by the text of the value
    written at ``path`` in ``source``, moved to the indentation of the place it goes to."""
    s_start, s_end, s_column, s_block = node_span(source, path)
    written = source.text[s_start:s_end]
    start, end, column, block = node_span(scanned, path)
    brk = line_break(text)  # every line moved ends as the file's own lines do, whatever theirs' ended with
    scalar = s_block and encode_path(path) not in source.containers  # a block scalar: its '|' stays on the key's line
    if s_block and not block and not scalar:  # a block collection goes on the lines after the key or dash of the place
        own = line_start(text, start)
        indent = len(text[own:start]) - len(text[own:start].lstrip(" ")) + 2
        properties, written, s_column = _properties(source.text, s_start, written, s_column)
        moved = " " * indent + _indented(written, s_column, indent, brk)
        beside = beside_comment(text, start, start, end, False)  # stays on the key's line, not under the value
        end = text.index(beside, end) + len(beside) if beside else end
        return text[:start].rstrip(" ") + properties + beside + brk + moved + text[end:].lstrip("\r\n")
    # Later lines keep their place relative to the indentation of the line the value starts on (a block
    # scalar's text is indented from its key's line, not from its '|'), in theirs and here alike.
    s_column, column = _indentation(source.text, s_start), _indentation(text, start)
    offset = None if s_block else _own_line_offset(source, path, s_start)
    colon = -1 if offset is None else _colon(text, scanned, path, start)
    if offset is not None and colon >= 0:  # theirs writes it on a line of its own ('key:' then '  &a'): so here
        indent = _indentation(text, colon) + offset
        beside = beside_comment(text, colon + 1, start, end, block)  # stays on the key's line
        tail = brk + text[end:] if block else text[end:]
        if not block:
            beside, tail = (beside, tail[len(beside):]) if tail.startswith(beside) else ("", tail)
        return text[:colon + 1] + beside + brk + " " * indent + _indented(written, s_column, indent, brk) + tail
    if block and not s_block:
        key_node = scanned.containers.get(encode_path(path), (None, None))[0]
        colon = -1 if key_node is None else text.find(":", key_node.end_mark.index, start)
        if colon >= 0:  # a block collection under its key: the value goes on the key's line, before its comment
            beside = beside_comment(text, key_node.end_mark.index, start, end, True)
            value = _indented(written, s_column, _indentation(text, colon), brk)  # a null: no space after ':'
            return text[:colon + 1] + " " * bool(value) + value + beside + brk + text[end:]
        return text[:start] + _indented(written, s_column, column, brk) + brk + text[end:]
    if scalar and not block:  # into a place on one line, whose own line break follows: not the scalar's last one too
        written = written[:-2] if written.endswith("\r\n") else written[:-1] if written[-1:] in "\r\n" else written
    if ("\n" in written or "\r" in written) and not block and not scalar:
        raise KeyPathError("a value written over several lines cannot be taken into a line here")
    if not written:  # a null: 'key:', no space after
        return text[:empty_value_start(text, start, end)] + text[end:]
    if start == end:  # over a null ('key:' with nothing after it): the value follows its ':' or '-' after a space
        written, end = " " + written, len(text) - len(text[end:].lstrip(" ")) if _line_ends(text, end) else end
    return text[:start] + _indented(written, s_column, column, brk) + text[end:]


def _properties(source: str, start: int, written: str, column: int) -> tuple[str, str, int]:
    """A block collection's anchor or tag written on its key's line (``key: &a``) in ``source``: ``(" &a", the lines
    after it, their column)``, so the graft keeps it there; else ``("", written, column)`` (on a line of its own, it
    stays on one)."""
    first, _brk, rest = written.partition("\n")
    if not rest or not first.strip() or not source[line_start(source, start):start].strip() \
            or not first.lstrip().startswith(("&", "!")):
        return "", written, column
    body = rest.lstrip(" ")
    return " " + first.strip(), body, len(rest) - len(body)


def _colon(text: str, scanned: Scan, path: Path, start: int) -> int:
    """The ``:`` after the key of the mapping value written at ``path`` from ``start`` (-1: none, a list item)."""
    encoded = encode_path(path)
    key_node = scanned.containers.get(encoded, (None, None))[0] or next(
        (leaf.key_node for leaf in scanned.leaves if leaf.encoded_path == encoded), None)
    return -1 if key_node is None else text.find(":", key_node.end_mark.index, start)


def _own_line_offset(source: Scan, path: Path, start: int) -> int | None:
    """How much deeper than its key's line a mapping's value written at ``start`` in ``source`` starts a line of its
    own (an anchor or tag alone, a null after it); ``None`` where it is on its key's line."""
    leaf = next((leaf for leaf in source.leaves if leaf.encoded_path == encode_path(path)), None)
    text = source.text
    if leaf is None or leaf.key_node is None or text[line_start(text, start):start].strip():
        return None
    offset = _indentation(text, start) - _indentation(text, leaf.key_node.start_mark.index)
    return offset if offset > 0 else None


def _line_ends(text: str, index: int) -> bool:
    return text[index:].lstrip(" ")[:1] in ("", "\n", "\r")


def _indentation(text: str, index: int) -> int:
    """The indentation of the line ``index`` is on: its spaces, and the ``- `` of list entries it starts."""
    own = line_start(text, index)
    found = _LEADING.match(text, own, max(index, own))
    return found.end() - own if found else 0


_LEADING = re.compile(r"(?: *- +)*+ *")


def _indented(written: str, was: int, column: int, brk: str) -> str:
    """``written`` (its first line at column ``was``) with every later line moved to start at ``column``,
    lines (broken at LF, CRLF or a CR alone) joined with ``brk``."""
    lines = written.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    moved = [lines[0]]
    for line in lines[1:]:
        spaces = len(line) - len(line.lstrip(" "))
        moved.append(" " * column + line[min(was, spaces):] if line.strip() else "")
    return brk.join(moved)

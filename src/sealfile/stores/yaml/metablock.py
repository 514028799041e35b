"""The ``sealfile:`` block of a YAML file: written by sealfile in one fixed form, added, found and cut.

A one-document file gets the block as the last key of its top-level mapping, at that mapping's
column, after the line of its last value (comments after that stay after the block). A stream of
several documents gets it as a document of its own at the end (``---`` then the block). The
block's own indentation is fixed (2 spaces, lists indented), so it parses whatever indentation the
document uses, and its last line is always ``mac:``, so its end is found exactly. A top-level flow
mapping cannot take a block key: the block follows it as a document of its own, as in a stream. A
text with no key yet (empty, comments) gets the block at its end, as its first key. A file without a
final line break keeps having none: the break that separates the block from the text before it
is the one the text lacked. Cutting the block gives back the text exactly as it was before.

A text that ends in a block scalar (``|``, ``>``) without a final line break is the exception:
a break written after it would join the value. There the block goes first: before the first key
of a one-document file, and as the first document of a stream (``---`` before it when the first
document starts with its own ``---``, after it when not).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from sealfile.errors import FormatError, NotSealedError
from sealfile.model.lazy_pattern import compiled_when_used
from sealfile.model.lines import line_start
from sealfile.model.metadata import METADATA_KEY
from sealfile.stores.base import dominant_line_break
from sealfile.stores.yaml.metarender import render_plainly
from sealfile.stores.yaml.per_thread import per_thread
from sealfile.stores.yaml.scan import Scan
from sealfile.stores.yaml.spans import first_key_place, line_after, line_break_from, next_line
from sealfile.stores.yaml.splice import Edit, past_tab_blank_lines

if TYPE_CHECKING:
    from ruamel.yaml import YAML

_ORDER = ("version", "recipients", "key_groups", "threshold")


@per_thread
def _emitter() -> YAML:
    from ruamel.yaml import YAML  # writes only: a reader cuts the block without loading ruamel

    yaml = YAML(typ="rt")
    yaml.width = 1 << 30
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def render(mapping: dict[str, Any], indent: int = 0, newline: str = "\n") -> str:
    """The block for a metadata mapping, every line indented by ``indent``, ending with a line break.

    Keys in a fixed order, ``mac`` last; multi-line texts (armored keys, the signature) as literal blocks."""
    ordered = {key: mapping[key] for key in _ORDER if key in mapping}
    ordered.update({key: value for key, value in mapping.items() if key not in (*_ORDER, "mac")})
    ordered["mac"] = mapping["mac"]
    lines = render_plainly(ordered)
    if lines is None:
        lines = emitted_lines(ordered)
    pad = " " * indent
    return "".join(pad + line + newline if line else newline for line in lines)


def emitted_lines(ordered: dict[str, Any]) -> list[str]:
    """The block's lines as ruamel's emitter writes them (what :func:`.metarender.render_plainly` must match)."""
    stream = io.StringIO()
    _emitter().dump({METADATA_KEY: _literal(ordered)}, stream)
    return stream.getvalue().split("\n")[:-1]


def _literal(value: Any) -> Any:
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, dict):
        return {key: _literal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_literal(item) for item in value]
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value


def add_edit(text: str, scanned: Scan, mapping: dict[str, Any]) -> Edit:
    """The edit that adds the block to ``text`` (a document without one), in the text's most common line break."""
    newline = dominant_line_break(text)
    if scanned.after_data is not None:  # the line scan's: a block mapping at column 0, its last line ended
        return _at(text, _after_blank_lines(text, scanned.after_data), render(mapping, 0, newline))
    if not scanned.roots:  # no key yet (empty, comments, '---'): the block is the first key, before a '...'
        return _at(text, first_key_place(text), render(mapping, 0, newline))
    # A block scalar that ends the text without a line break holds no final break; one written
    # after it for the block would become part of the value.
    open_block = (not text.endswith(("\n", "\r"))
                  and getattr(_last_value(scanned.roots[-1]), "style", None) in ("|", ">"))
    if scanned.multi:
        if open_block:
            return _first_document(text, scanned.roots[0], render(mapping, 0, newline), newline)
        return _at(text, len(text), "---" + newline + render(mapping, 0, newline))
    root = scanned.roots[0]
    if root.flow_style:  # a block key cannot go into '{...}': the block is a document of its own after it
        return _at(text, len(text), "---" + newline + render(mapping, 0, newline))
    entry = _first_entry(text, root)
    first_line = line_start(text, entry)
    block = render(mapping, entry - first_line, newline)
    if open_block:
        if text[first_line:entry].strip():
            raise FormatError("the text ends in a block scalar (| or >) without a final line break; add one")
        return first_line, first_line, block
    return _at(text, _after_blank_lines(text, line_after(text, root)), block)


def _first_entry(text: str, root: Any) -> int:
    """Where a block mapping's first entry starts: its '?' if it has one (the key may be on a later
    line), past the anchor and tag of the mapping's own, which may sit on lines before it."""
    first_key = root.value[0][0] if root.value else root
    if first_key.start_mark.line == root.start_mark.line:
        return int(root.start_mark.index)
    properties = _properties().match(text, root.start_mark.index)
    return properties.end() if properties else int(root.start_mark.index)


# anchors and tags (no blanks inside either), each followed by blanks, line breaks and comments


_properties = compiled_when_used(r"(?:[&!][^ \t\r\n]*(?:[ \t\r\n]|#[^\r\n]*)*+)*+")


def _first_document(text: str, first_root: Any, block: str, newline: str) -> Edit:
    head = [line.strip() for line in text[:first_root.start_mark.index].splitlines()]
    if any(line.startswith("%") for line in head):
        raise FormatError("a stream with directives (%YAML, %TAG) that ends in a block scalar (| or >) without a "
                          "final line break cannot hold sealfile's metadata; add the final line break")
    if any(line == "---" or line.startswith(("--- ", "---\t")) for line in head):
        return 0, 0, "---" + newline + block
    return 0, 0, block + "---" + newline


def _at(text: str, position: int, block: str) -> Edit:
    """The block inserted at a line start; at the end of a text without a final line break, that
    break goes before the block and the block's own last one is dropped."""
    if position == len(text) and text and not text.endswith(("\n", "\r")):  # a CR alone breaks a line too
        newline = block[-2:] if block.endswith("\r\n") else block[-1:]
        return position, position, newline + block[: -len(newline)]
    return position, position, block


def _after_blank_lines(text: str, position: int) -> int:
    """Past the lines holding only spaces and tabs from ``position`` on, and the comment lines among
    them if one has a tab before its text: after the block, a tab left of the block's indentation
    would be read as a tab in the indentation of its last value."""
    found = _blank_lines().match(text, position)
    return past_tab_blank_lines(text, found.end() if found else position)


_blank_lines = compiled_when_used(r"(?:[ \t]*(?:\r\n?|\n))*+(?:[ \t]+\Z)?")  # LF, CRLF or a CR alone


def _last_value(root: Any) -> Any:
    """A block collection's deepest last node (itself when it is a scalar or in flow style)."""
    node = root
    while isinstance(node.value, list) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node


def cut_edit(text: str, scanned: Scan) -> Edit:
    """The edit that removes the block :func:`add_edit` added: the text before it, byte for byte."""
    if scanned.block_at is not None and scanned.block_end is not None:  # the line scan read the block's lines
        start, end = scanned.block_at, scanned.block_end
    else:
        key, value = scanned.metadata_key_node, scanned.metadata_node
        if key is None or value is None:
            raise NotSealedError
        start = line_start(text, key.start_mark.index)
        if text[start:key.start_mark.index].strip():
            raise FormatError("the 'sealfile' metadata does not start on a line of its own")
        end = line_after(text, value) if value.value else int(value.end_mark.index)
    if _leads(scanned):
        if start == 0:  # the first document's own '---' follows: ours came after the block
            end = next_line(text, end)
        else:  # ours came before it; the first document's own '---' follows the block
            start = 0
        return start, end, ""
    if _own_document(scanned):
        previous = line_start(text, max(start - 1, 0))
        if text[previous:start].rstrip("\r\n") == "---":
            start = previous
    claimed = bool(scanned.leaves) and scanned.leaves[-1].end >= start  # the break ends the last value
    if end == len(text) and not text.endswith(("\n", "\r")) and start > 0 and text[start - 1] in "\r\n" \
            and not claimed:
        start -= 2 if text[start - 2:start] == "\r\n" else 1
    return start, end, ""


def _own_document(scanned: Scan) -> bool:
    """The block is a document of its own after the data: in a stream of several, and after a
    top-level flow mapping (which has no place for a block key)."""
    return scanned.multi or scanned.metadata_own_document


def _leads(scanned: Scan) -> bool:
    """The block is a stream's first document (written so before a final open block scalar)."""
    return scanned.multi and scanned.metadata_key_node.start_mark.index < scanned.roots[0].start_mark.index


def replace_edit(text: str, scanned: Scan, mapping: dict[str, Any]) -> Edit:
    """The edit that writes the block of a sealed text again for ``mapping`` (the rest stays as it was), in the
    line break its first line has (not the text's last: a last line that lost its CR flipped the whole block)."""
    first = line_break_from(text, scanned.block_at if scanned.block_at is not None
                            else scanned.metadata_key_node.start_mark.index)
    newline = dominant_line_break(text) if first is None else first.group()
    if _leads(scanned):  # only the block itself; the '---' around it stays
        start = line_start(text, scanned.metadata_key_node.start_mark.index)
        return start, line_after(text, scanned.metadata_node), render(mapping, 0, newline)
    start, end, _ = cut_edit(text, scanned)
    if _own_document(scanned):
        block = "---" + newline + render(mapping, 0, newline)
    else:
        column = 0 if scanned.block_at is not None else scanned.metadata_key_node.start_mark.column
        block = render(mapping, column, newline)
    return start, end, _at(text[:start], start, block)[2]

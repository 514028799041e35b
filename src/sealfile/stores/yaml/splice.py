"""Editing a YAML file's text in place: spans of scalars, and the text a value takes there.

Why: a sealed file is the user's text; ``decrypt`` replaces each ``ENC[...]`` span with the
value's YAML text and a one-value ``set`` replaces one token and the MAC, so every other byte
stays as it was (and re-emitting a large document with the round-trip library takes seconds).
Every function returns ``None`` when an edit would not certainly mean the same as the
round-trip writer's output (a flow collection where the token is plain, a block scalar in an
unusual place, a value YAML cannot show inline...); the caller then uses the general path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sealfile.model.scalars import Styled
from sealfile.stores.yaml import scalars as yaml_scalars
from sealfile.stores.yaml.scan import Leaf, Scan

Edit = tuple[int, int, str]
"""Replace ``text[start:end]`` with the string."""


@dataclass(frozen=True)
class Span:
    """Where a sealed scalar sits: ``ENC[...]`` plain, quoted, or alone in a literal block."""

    start: int
    end: int
    token: tuple[int, int]
    """The ``ENC[...]`` characters themselves."""
    block: tuple[int, int] | None = None
    """For a block node: the end of its indicator (``|-``) and the start of what follows its token line."""


_BLOCK_HEADER = re.compile(r"\|[-+0-9]*")


def span_of(text: str, node: Any) -> Span | None:
    """The scalar's span, checked against its value (a misplaced mark means ``None``)."""
    start, end = int(node.start_mark.index), int(node.end_mark.index)
    if node.style in ('"', "'"):
        token = (start + 1, end - 1)
    elif not node.style:
        token = (start, end)
    elif node.style == "|":
        header = _BLOCK_HEADER.match(text, start)
        line_end = text.find("\n", start, end)
        if header is None or line_end < 0:
            return None
        value = node.value.strip()
        token_start = text.find(value, line_end, end)
        token_line_end = text.find("\n", token_start, end) + 1 or end
        if token_start < 0 or text[line_end:token_start].strip() or text[token_start + len(value):end].strip():
            return None
        return Span(start, end, (token_start, token_start + len(value)), (header.end(), token_line_end))
    else:
        return None
    return Span(start, end, token) if text[token[0]:token[1]] == node.value else None


def apply_edits(text: str, edits: list[Edit]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end, replacement in sorted(edits):
        pieces += (text[position:start], replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def metadata_start(text: str, scanned: Scan) -> int | None:
    """Where the ``sealfile:`` block starts, if it is the last top-level key of a block mapping."""
    key = scanned.metadata_key_node
    if key is None or scanned.root.flow_style or not scanned.tree or scanned.root.value[-1][0] is not key:
        return None
    start = int(key.start_mark.index)
    if key.start_mark.column != 0 or key.style or text[start:start + 9] != "sealfile:":
        return None
    return start


def mac_span(text: str, scanned: Scan, mac: str) -> Span | None:
    """Where the metadata's ``mac:`` value is, if it is a one-line scalar holding ``mac``."""
    pairs = getattr(scanned.metadata_node, "value", None)
    if not isinstance(pairs, list):
        return None
    found = [v for k, v in pairs if getattr(k, "value", None) == "mac"]
    if len(found) != 1 or found[0].value != mac:
        return None
    span = span_of(text, found[0])
    return None if span is None or span.block else span


def value_edit(text: str, leaf: Leaf, scalar: Styled, mapping_indent: int | None) -> Edit | None:
    """The edit that puts ``scalar``'s YAML text where ``leaf``'s token is; ``None`` if unsure."""
    value, style = scalar.value, scalar.style
    span = span_of(text, leaf.node)
    if span is None:
        return None
    if style == "|" and isinstance(value, str):
        return None if mapping_indent is None else _block_edit(text, leaf, span, value, mapping_indent)
    rendered = yaml_scalars.inline(value, style, flow=leaf.flow)
    if rendered is None:
        return None
    start = span.start
    if rendered == "" and leaf.key_node is not None:  # "key:" as ruamel writes a bare null
        while start > 0 and text[start - 1] == " ":
            start -= 1
    if span.block is not None:  # keep the header line's comment and the block's trailing lines
        header_end, after = span.block
        line_end = text.index("\n", header_end)
        return start, span.end, rendered + text[header_end:line_end + 1] + text[after:span.end]
    return start, span.end, rendered


def _block_edit(text: str, leaf: Leaf, span: Span, value: str, mapping_indent: int) -> Edit | None:
    """``key: |`` and the content lines, at the indentation the file uses there."""
    node = leaf.node
    if leaf.flow:
        return None
    if span.block is not None:
        header_end, after = span.block
        line_start = text.rindex("\n", 0, span.token[0]) + 1
        indent, rest_start, rest_end, tail = span.token[0] - line_start, header_end, text.index("\n", header_end) + 1, (
            text[after:span.end])
        end = span.end
    else:
        if leaf.key_node is not None:
            if leaf.key_node.start_mark.line != node.start_mark.line:
                return None
            indent = leaf.key_node.start_mark.column + mapping_indent
        else:
            indent = node.start_mark.column
        rest_start = span.end
        rest_end = text.find("\n", span.end) + 1
        if rest_end == 0:
            return None
        tail, end = "", rest_end
    block = yaml_scalars.literal_block(value, indent)
    rest = text[rest_start:rest_end]  # spaces, maybe a comment, the line break
    if block is None or (rest.strip() and not rest.strip().startswith("#")):
        return None
    header, lines = block
    return span.start, end, header + rest + "".join(f"{line}\n" for line in lines) + tail

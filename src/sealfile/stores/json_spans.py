"""Where each value of a JSON text starts and ends, found in a text ``json.loads`` has read already.

Strings are read by the standard library's own ``scanstring`` and numbers by its number pattern, so a
span holds what ``json.loads`` read there."""

from __future__ import annotations

import re
from collections.abc import Callable
from json.decoder import scanstring  # type: ignore[attr-defined]  # public since Python 2, untyped in typeshed
from json.scanner import NUMBER_RE
from typing import Any

from sealfile.stores.base import BOM

_SPACE = re.compile(r"[ \t\n\r]*")
_SIMPLE_KEY = re.compile(r'"([^"\\]*)"[ \t\n\r]*:[ \t\n\r]*')
_SIMPLE_SCALAR = re.compile(r'"[^"\\]*"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null')
"""A string without escapes, a number or a literal: JSON's own grammar for them (in ASCII digits, as the
C decoder reads them)."""
LITERALS = ("true", "false", "null")


class Node:
    """A value's span ``[start, end)``; a mapping's members as ``(key, key start, key end, value)``, a
    list's items."""

    __slots__ = ("end", "items", "members", "start")

    def __init__(self, start: int, end: int, members: list[tuple[str, int, int, Node]] | None = None,
                 items: list[Node] | None = None) -> None:
        self.start, self.end, self.members, self.items = start, end, members, items


def layout(text: str) -> Node | None:
    """The spans of a text ``json.loads`` reads; ``None`` if the walk does not agree it is JSON."""
    try:
        start = _skip(text, 1 if text.startswith(BOM) else 0)  # a byte-order mark stays before the value
        node = _value(text, start)
    except (ValueError, IndexError, RecursionError):
        return None
    return node if _skip(text, node.end) == len(text) else None


def _skip(text: str, index: int) -> int:
    return _SPACE.match(text, index).end()  # type: ignore[union-attr]  # matches anywhere (it may be empty)


def _value(text: str, start: int) -> Node:
    simple = _SIMPLE_SCALAR.match(text, start)  # most values: one match, read again by nothing
    if simple is not None:
        return Node(start, simple.end())
    char = text[start]
    if char == "{":
        members, end = _container(text, start, "}", _member)
        return Node(start, end, members=members)
    if char == "[":
        items, end = _container(text, start, "]", _item)
        return Node(start, end, items=items)
    if char == '"':
        return Node(start, scanstring(text, start + 1, True)[1])
    number = NUMBER_RE.match(text, start)
    if number is not None:
        return Node(start, number.end())
    for literal in LITERALS:
        if text.startswith(literal, start):
            return Node(start, start + len(literal))
    raise ValueError("not a JSON value")


def _container(text: str, start: int, close: str,
               entry: Callable[[str, int], tuple[Any, int]]) -> tuple[list[Any], int]:
    """The entries of the mapping or list whose bracket is at ``start``, and where it ends."""
    entries: list[Any] = []
    index = _skip(text, start + 1)
    if text[index] == close:
        return entries, index + 1
    while True:
        found, end = entry(text, index)
        entries.append(found)
        index = _skip(text, end)
        if text[index] == close:
            return entries, index + 1
        if text[index] != ",":
            raise ValueError("no comma")
        index = _skip(text, index + 1)


def _member(text: str, index: int) -> tuple[tuple[str, int, int, Node], int]:
    simple = _SIMPLE_KEY.match(text, index)  # a key without escapes, its colon and the blanks around it
    if simple is not None:
        key, key_end, value_start = simple.group(1), simple.end(1) + 1, simple.end()
    else:
        if text[index] != '"':
            raise ValueError("not a key")
        key, key_end = scanstring(text, index + 1, True)
        colon = _skip(text, key_end)
        if text[colon] != ":":
            raise ValueError("no colon")
        value_start = _skip(text, colon + 1)
    value = _value(text, value_start)
    return (key, index, key_end, value), value.end


def _item(text: str, index: int) -> tuple[Node, int]:
    node = _value(text, index)
    return node, node.end


def node_at(root: Node, path: tuple[Any, ...]) -> Node | None:
    """The node at a key path (mapping keys, list indices) under ``root``, or ``None``."""
    node: Node | None = root
    for step in path:
        if node is not None and node.members is not None and isinstance(step, str):
            node = next((child for key, _start, _end, child in node.members if key == step), None)
        elif node is not None and node.items is not None and isinstance(step, int) and 0 <= step < len(node.items):
            node = node.items[step]
        else:
            return None
    return node

"""A condition block of a CI or hook file (``on:``, ``rules:``, ``files:``...) read as plain data, or not at all.

:mod:`~sealfile.gitflow.guard_conditions` judges whether a condition a change writes lets a sealfile step run for
the sealed files. It reads only the few lines of that block, and only their plainest YAML: block mappings and
sequences, flow sequences of scalars, plain and quoted scalars. Anything else (a flow mapping, an anchor, an alias,
a tag, a block scalar, a duplicate key, indentation it cannot place) is :class:`Unjudged`: the block is then not
judged (no violation claimed), never guessed at. No YAML library reads it: the file is the change's, and an alias
the library shares is a graph a walk over it can take exponential time in.
"""

from __future__ import annotations

import re
from typing import Any

_DEPTH = 16
"""Nested blocks read: deeper ones are no condition a CI file writes (and a hostile one costs no deep recursion)."""
_KEY = re.compile(r"(?P<q>['\"]?)(?P<key>[\w.$-]+)(?P=q):(?:[ \t]+(?P<rest>.*))?\Z")


class Unjudged(Exception):
    """A block this reader does not read as plain data."""


def read_block(lines: list[tuple[int, str]], depth: int = 0) -> Any:
    """``lines`` (indentation, text without comments) as nested dicts, lists and strings (``None`` for nothing)."""
    if not lines:
        return None
    if depth > _DEPTH:
        raise Unjudged
    value, end = _node(lines, 0, lines[0][0], depth)
    if end != len(lines):
        raise Unjudged
    return value


def _is_item(code: str) -> bool:
    return code == "-" or code.startswith(("- ", "-\t"))


def _node(lines: list[tuple[int, str]], i: int, indent: int, depth: int) -> tuple[Any, int]:
    code = lines[i][1]
    if _is_item(code):
        return _sequence(lines, i, indent, depth + 1)
    if _KEY.match(code):
        return _mapping(lines, i, indent, depth + 1)
    if i + 1 < len(lines) and lines[i + 1][0] > indent:  # a plain scalar on several lines
        raise Unjudged
    return scalar_or_list(code), i + 1


def _sequence(lines: list[tuple[int, str]], i: int, indent: int, depth: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    while i < len(lines) and lines[i][0] == indent and _is_item(lines[i][1]):
        rest = lines[i][1][1:].lstrip(" \t")
        column = indent + len(lines[i][1]) - len(rest)
        end = i + 1
        while end < len(lines) and lines[end][0] > indent:
            end += 1
        if rest:  # the item's node starts on its own line, at its content's column
            value, used = _node([(column, rest), *lines[i + 1:end]], 0, column, depth)
            if used != end - i:
                raise Unjudged
        else:
            value = read_block(lines[i + 1:end], depth) if end > i + 1 else None
        items.append(value)
        i = end
    return items, i


def _mapping(lines: list[tuple[int, str]], i: int, indent: int, depth: int) -> tuple[dict[str, Any], int]:
    found: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent and (key := _KEY.match(lines[i][1])):
        name, rest = key.group("key"), key.group("rest")
        if name in found:
            raise Unjudged
        end = i + 1
        # a block under the key: deeper lines, or a sequence at the key's own indentation
        while end < len(lines) and (lines[end][0] > indent or (lines[end][0] == indent and _is_item(lines[end][1]))):
            end += 1
        if rest:
            if end > i + 1:
                raise Unjudged
            found[name] = scalar_or_list(rest)
        else:
            found[name] = read_block(lines[i + 1:end], depth) if end > i + 1 else None
        i = end
    return found, i


def scalar_or_list(text: str) -> Any:
    """A scalar, or a flow sequence of scalars (``[push, 'pull_request']``)."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [_scalar(part) for part in inner.split(",")] if inner else []
    return _scalar(text)


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        inner = text[1:-1]
        if text[0] == "'" and "'" not in inner.replace("''", ""):
            return inner.replace("''", "'")
        if text[0] == '"' and '"' not in inner and "\\" not in inner:
            return inner
        raise Unjudged
    if not text or text[0] in "'\"&*!{[|>%@`,]}#" or ": " in text:
        raise Unjudged
    return text

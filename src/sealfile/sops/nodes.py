"""SOPS's tree, as its stores build it (sops.go ``TreeBranch``): what every reader here produces.

A document is a :class:`Branch`: an ordered list of :class:`Item` (duplicate keys kept, as
SOPS keeps them), whose keys are strings or :class:`Comment` (a comment is an item of the
mapping or list it sits in). Lists are Python lists whose elements may also be comments.
Leaves are Go values: ``str``, ``int`` (Go int), ``float`` (float64), ``bool``, ``None``,
:class:`~sealfile.sops.gotime.GoTime`, or a :class:`~sealfile.sops.goyaml.Unwalkable`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sealfile.errors import FormatError

MAX_DEPTH = 200
"""Deepest nesting read; SOPS files are shallow, and every walk here recurses once per level."""


@dataclass(frozen=True)
class Comment:
    """A comment's text without its ``#`` (or the ``ENC[...]`` token SOPS wrote in its place); ``sealed``
    if it was decrypted: SOPS had kept it as secret as the values."""

    text: str
    sealed: bool = field(default=False, compare=False)


@dataclass
class Item:
    key: str | Comment
    value: Any = None


class Branch(list[Item]):
    """A mapping in file order; duplicate keys and comment items are kept, as SOPS keeps them."""

    def entries(self) -> Iterator[tuple[str, Any]]:
        """``(key, value)`` of the data items, comments left out."""
        for item in self:
            if isinstance(item.key, str):
                yield item.key, item.value

    def get(self, key: str) -> Any:
        """The last value stored under ``key`` (as JSON readers and ``sops decrypt`` output readers see it)."""
        found = None
        for name, value in self.entries():
            if name == key:
                found = value
        return found

    def without(self, key: str) -> Branch:
        return Branch(item for item in self if item.key != key)


def too_deep() -> FormatError:
    return FormatError(f"nesting deeper than {MAX_DEPTH} levels")


def plain(node: Any) -> Any:
    """A branch or list as plain dicts and lists (last duplicate wins, comments dropped): for the
    ``sops`` metadata block, whose fields are read like JSON."""
    if isinstance(node, Branch):
        return {key: plain(value) for key, value in node.entries()}
    if isinstance(node, list):
        return [plain(value) for value in node if not isinstance(value, Comment)]
    return node


_COMMENT_BREAK = re.compile(r"\r\n|\r|\n")


def yaml_comment_lines(texts: list[str]) -> list[str]:
    """Comment texts (without their ``#``) as the YAML comment lines yaml.v3 prints: SOPS puts a ``#`` before
    each, and a text holding line breaks (go-ini keeps a key's comment lines in one) goes on several lines,
    each starting with ``#`` (``# `` put before one that has none), so no line of it is read as data."""
    lines = []
    for text in texts:
        first, *rest = _COMMENT_BREAK.split(text.rstrip("\r\n"))
        lines.append("#" + first)
        lines += [line if line.startswith("#") else f"# {line}".rstrip() for line in rest]
    return lines

"""The ``sealfile:`` block written exactly as ruamel's emitter writes it (:func:`.metablock.render`), without
loading ruamel, for the shapes sealfile's metadata takes: block mappings with plain keys, lists of
mappings or of lists, decimal integers, booleans, strings that are plain to every YAML reader, and
multi-line strings as literal blocks. For anything else it gives ``None`` and ruamel writes the block.
``tests/stores/yaml/test_metarender.py`` compares the two on random blocks.
"""

from __future__ import annotations

import re
from typing import Any

from sealfile.stores.yaml.plain_tags import INDICATORS, STR_TAG, plain_tag, plain_tag_11

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class _Unwritten(Exception):
    """A value outside the shapes written here."""


def render_plainly(mapping: dict[str, Any]) -> list[str] | None:
    """The block's lines (each without its line break), column 0 for ``sealfile:``, or ``None``."""
    lines = ["sealfile:"]
    try:
        _mapping(mapping, 2, lines)
    except _Unwritten:
        return None
    return lines


def _mapping(mapping: Any, column: int, lines: list[str], first: str | None = None) -> None:
    """Each ``key: value`` at ``column``; ``first``: the text that starts the first line (a list's dash)."""
    if type(mapping) is not dict or not mapping:
        raise _Unwritten
    for key, value in mapping.items():
        if type(key) is not str or not _KEY.match(key) or plain_tag(key) != STR_TAG or plain_tag_11(key) != STR_TAG:
            raise _Unwritten
        head = (first if first is not None else " " * column) + key + ":"
        first = None
        _value(value, head, column, lines)


def _value(value: Any, head: str, column: int, lines: list[str]) -> None:
    kind = type(value)
    if kind is dict:
        lines.append(head)
        _mapping(value, column + 2, lines)
    elif kind is list:
        lines.append(head)
        _list(value, column + 2, lines)
    elif kind is str and "\n" in value:
        lines.append(head + (" |" if value.endswith("\n") else " |-"))
        lines.extend(" " * (column + 2) + line for line in _literal_lines(value))
    else:
        lines.append(head + " " + _scalar(value))


def _list(items: Any, column: int, lines: list[str], first: str | None = None) -> None:
    """Each item after a dash at ``column`` (a mapping's first key on the dash's line, a list's first
    item after ``-   ``)."""
    if not items:
        raise _Unwritten
    for item in items:
        dash = (first if first is not None else " " * column) + "- "
        first = None
        if type(item) is dict:
            _mapping(item, column + 2, lines, dash)
        elif type(item) is list:
            _list(item, column + 4, lines, dash + "  ")
        elif type(item) is str and "\n" in item:
            raise _Unwritten
        else:
            lines.append(dash + _scalar(item))


def _literal_lines(value: str) -> list[str]:
    """A literal block's lines: one final line break at most, no blank or space-led first line, every
    line printable ASCII without trailing spaces (ruamel writes other texts with indicators or escapes)."""
    body = value[:-1] if value.endswith("\n") else value
    lines = body.split("\n")
    if (not body or body.endswith("\n") or lines[0].startswith(" ") or not body.isascii()
            or any(not line or not line.isprintable() or line.endswith(" ") for line in lines)):
        raise _Unwritten
    return lines


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if (kind is not str or not value or not value.isascii() or not value.isprintable() or value[0] in INDICATORS
            or value[0] == " " or value[-1] in " :" or ": " in value or " #" in value or value.startswith("...")
            or plain_tag(value) != STR_TAG or plain_tag_11(value) != STR_TAG):
        raise _Unwritten
    text: str = value
    return text

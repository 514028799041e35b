"""Key paths: how a value's position is named, encoded for binding, and parsed from the CLI.

A path is a tuple of segments: ``str``/``int``/``bool`` mapping keys and ``ListIndex`` list
positions. Its canonical encoding (docs/format.md §4) is what tokens and the MAC are bound to,
so it must distinguish the key ``"1"``, the key ``1`` and list index ``1``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from sealfile.errors import FormatError, KeyPathError


class ListIndex(int):
    """A list position in a path (an ``int`` subclass so it indexes lists directly)."""

    def __repr__(self) -> str:
        return f"ListIndex({int(self)})"


Segment = str | int | bool | ListIndex
Path = tuple[Segment, ...]


def _encode_segment(segment: Segment) -> str:
    if isinstance(segment, ListIndex):
        kind, text = "#", str(int(segment))
    elif isinstance(segment, str):
        kind, text = "s", segment
    elif isinstance(segment, bool):
        kind, text = "b", "true" if segment else "false"
    elif isinstance(segment, int):
        kind, text = "i", str(int(segment))
    else:  # pragma: no cover - check_key refuses these earlier
        raise FormatError(f"unsupported key type {type(segment).__name__}")
    return f"{kind}{len(text)}:{text}"


def encode_path(path: Path) -> bytes:
    """Canonical, unambiguous bytes for a path (netstring-like, one segment after another)."""
    return "".join(_encode_segment(s) for s in path).encode("utf-8")


def check_key(key: Any, parent: Path) -> Segment:
    """Mapping keys must be strings, integers or booleans: anything else has no stable name."""
    if isinstance(key, (str, int)) and not isinstance(key, float):
        return bool(key) if type(key).__name__ == "ScalarBoolean" else key
    raise FormatError(
        f"mapping keys must be strings, integers or booleans, not {type(key).__name__}",
        keypath=format_keypath(parent) or None,
    )


_PLAIN_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


def format_keypath(path: Path) -> str:
    """Human form: dotted where unambiguous (``db.hosts.0.name``), SOPS brackets otherwise."""
    parts: list[str] = []
    for segment in path:
        if isinstance(segment, ListIndex):
            parts.append(f".{int(segment)}" if parts else str(int(segment)))
        elif isinstance(segment, str) and _PLAIN_SEGMENT.match(segment):
            parts.append(f".{segment}" if parts else segment)
        else:
            parts.append(f"[{json.dumps(segment, ensure_ascii=False)}]")
    return "".join(parts)


_BRACKET = re.compile(r'\[\s*("(?:[^"\\]|\\.)*"|-?\d+)\s*\]')


def parse_keypath(text: str) -> list[str | int]:
    """Parse ``a.b.0.c`` or ``["a"]["b"][0]["c"]``; digits may name a list index or a key.

    Returns raw segments; :func:`resolve` decides per container whether ``0`` is an index.
    """
    text = text.strip()
    if not text:
        raise KeyPathError("empty key path")
    if text.startswith("["):
        segments: list[str | int] = []
        pos = 0
        while pos < len(text):
            match = _BRACKET.match(text, pos)
            if not match:
                raise KeyPathError(f"cannot parse key path {text!r} at position {pos}")
            token = match.group(1)
            segments.append(json.loads(token))
            pos = match.end()
        return segments
    if any(not part for part in text.split(".")):
        raise KeyPathError(f"cannot parse key path {text!r}: empty segment")
    return [int(part) if part.isdigit() else part for part in text.split(".")]


def resolve(tree: Any, raw: list[str | int], *, keypath: str) -> Path:
    """Turn raw segments into a typed path that exists in ``tree``; raises :class:`KeyPathError`."""
    path: list[Segment] = []
    node = tree
    for segment in raw:
        if isinstance(node, list):
            index = segment if isinstance(segment, int) else None
            if index is None or not 0 <= index < len(node):
                raise KeyPathError("no such list index", keypath=keypath)
            path.append(ListIndex(index))
            node = node[index]
        elif isinstance(node, dict):
            key = _find_key(node, segment)
            if key is None:
                raise KeyPathError("no such key", keypath=keypath)
            path.append(key)
            node = node[key]
        else:
            raise KeyPathError("path goes through a value that is not a mapping or list", keypath=keypath)
    return tuple(path)


def _find_key(mapping: dict[Any, Any], segment: str | int) -> Segment | None:
    candidates: list[Any] = [segment, str(segment)] if isinstance(segment, int) else [segment]
    if isinstance(segment, str) and re.fullmatch(r"-?\d+", segment):
        candidates.append(int(segment))
    for candidate in candidates:
        if candidate in mapping:
            found: Segment = candidate
            return found
    return None


Leaf = tuple[Path, Any]


def iter_leaves(tree: Any, prefix: Path = ()) -> Iterator[Leaf]:
    """Yield ``(path, value)`` for every scalar and every empty container, in document order.

    Raises :class:`FormatError` when a container appears twice (a YAML alias): aliases would
    make one ciphertext answer for two paths, and alias bombs would explode this walk.
    """
    seen: set[int] = set()
    stack: list[tuple[Path, Any]] = [(prefix, tree)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                raise FormatError("YAML anchors and aliases are not supported", keypath=format_keypath(path))
            seen.add(id(node))
            if not node:
                yield path, node
                continue
            if isinstance(node, dict):
                children = [((*path, check_key(k, path)), v) for k, v in node.items()]
            else:
                children = [((*path, ListIndex(i)), v) for i, v in enumerate(node)]
            stack.extend(reversed(children))
        else:
            yield path, node

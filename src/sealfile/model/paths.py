"""Key paths: how a value's position is named, encoded for binding, parsed and resolved.

A path is a tuple of segments: ``str``/``int``/``bool`` mapping keys and ``ListIndex`` list
positions. Its canonical encoding (docs/format.md §4) is what tokens and the MAC are bound to,
so it distinguishes the key ``"1"``, the key ``1``, the key ``true`` and list index ``1``.

A key path typed by a user (``db.hosts.0.name`` or ``["db"]["hosts"][0]["name"]``) is resolved
by :func:`resolve` alone, for every verb (get, set, unset, extract): a dotted segment ``1``
names the list index 1, the string key ``"1"`` or the integer key ``1``; ``true``/``false`` also
name a boolean key; a bracketed ``["1"]``, ``[1]`` or ``[true]`` names exactly one type. Keys are
compared by type and value, never by Python equality (in which ``True == 1``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sealfile.errors import FormatError, KeyPathError

# The typed syntax lives in its own module; every verb imports it from here with the resolver.
from sealfile.model.keypath_syntax import KeyPath as KeyPath
from sealfile.model.keypath_syntax import Selector as Selector
from sealfile.model.keypath_syntax import parse_keypath as parse_keypath
from sealfile.model.lazy_pattern import compiled_when_used
from sealfile.model.path_hints import canonical_twin_hint, near_key_hint
from sealfile.model.path_hints import dotted_key_hint as _dotted_key_hint
from sealfile.model.path_hints import shown_segment as _shown_segment

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any


class ListIndex(int):
    """A list position in a path (an ``int`` subclass so it indexes lists directly)."""

    def __repr__(self) -> str:
        return f"ListIndex({int(self)})"


Segment = str | int | bool | ListIndex
Path = tuple[Segment, ...]
if TYPE_CHECKING:
    Leaf = tuple[Path, Any]
else:  # the names importers take; annotations are strings at run time
    Leaf = tuple


def segment_code(segment: Segment) -> bytes:
    """One segment's canonical encoding: a path's is its segments' one after another."""
    return _encode_segment(segment).encode("utf-8")


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
    if isinstance(key, bool):
        return bool(key)
    if isinstance(key, str):
        return str(key)
    if isinstance(key, int):
        return int(key)
    raise FormatError(
        f"mapping keys must be strings, integers or booleans, not {type(key).__name__}",
        keypath=format_keypath(parent) or None,
    )


_plain_segment = compiled_when_used(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


def format_keypath(path: Path) -> str:
    """Human form that :func:`parse_keypath` reads back: dotted when every segment can be
    (``db.hosts.0.name``), else brackets throughout (``["db"]["a.b"]``, ``[0][1]``)."""
    if all(isinstance(segment, ListIndex) or _dotted_ok(segment) for segment in path):
        return ".".join(str(int(segment)) if isinstance(segment, ListIndex) else str(segment) for segment in path)
    return "".join(f"[{int(segment) if isinstance(segment, ListIndex) else _shown_segment(segment)}]"
                   for segment in path)


def _dotted_ok(segment: Any) -> bool:
    return isinstance(segment, str) and bool(_plain_segment().match(segment)) and segment not in ("true", "false")


def _key_matches(selector: Selector, key: Any) -> bool:
    if selector.kind == "dotted":
        text = selector.value
        if isinstance(key, bool):
            return text == ("true" if key else "false")
        if isinstance(key, int):
            return text == str(key)
        return isinstance(key, str) and key == text
    if selector.kind == "bool":
        return isinstance(key, bool) and key == selector.value
    if selector.kind == "int":
        return isinstance(key, int) and not isinstance(key, bool) and key == selector.value
    return isinstance(key, str) and key == selector.value


def find_key(mapping: Mapping[Any, Any], selector: Selector, keypath: str) -> Segment | None:
    """The one key of ``mapping`` that ``selector`` names, ``None`` if none; ambiguity is an error."""
    if selector.kind in ("dotted", "str") and selector.value in mapping and isinstance(selector.value, str):
        direct: Segment = selector.value  # the common case: a string key, found without a scan
        if selector.kind == "str" or not _digits_or_bool(selector.value):
            return direct
    found = [key for key in mapping if _key_matches(selector, key)]
    if len(found) > 1:
        text = selector.value
        raise KeyPathError(f"{text!r} names keys of several types here; write [\"{text}\"] for the string "
                           f"key or [{text}] for the other", keypath=keypath)
    return check_key(found[0], ()) if found else None


def _digits_or_bool(text: Any) -> bool:
    """Whether a dotted segment could also name a boolean or integer key (``-?\\d+``: ``isdecimal`` is ``\\d``)."""
    if not isinstance(text, str):
        return False
    return text in ("true", "false") or (text[1:] if text[:1] == "-" else text).isdecimal()


def list_index(selector: Selector, length: int, keypath: str, *, append: bool = False) -> ListIndex:
    """The list position ``selector`` names; with ``append``, one past the end is allowed too."""
    value = selector.value
    if selector.kind == "dotted" and isinstance(value, str) and (value[1:] if value[:1] == "-" else value).isdecimal():
        value = int(value)
    if selector.kind not in ("dotted", "int") or not isinstance(value, int) or isinstance(value, bool):
        raise KeyPathError("a list is indexed by a number", keypath=keypath)
    if not 0 <= value < length + (1 if append else 0):
        held = f"the list holds {length} item{'' if length == 1 else 's'}" if length else "the list is empty"
        held += f"; {length} appends one" if append else ""
        counted = "list indexes count from 0, not from the end: " if value < 0 else ""
        raise KeyPathError(f"no such list index ({counted}{held})", keypath=keypath)
    return ListIndex(value)


def new_key(selector: Selector) -> Segment:
    """The key a ``set`` creates for a selector that names no existing key: dotted text is a string."""
    return selector.value


def resolve(tree: Any, keypath: KeyPath | str) -> Path:
    """The typed path of an existing value; :class:`KeyPathError` if there is none."""
    selectors = parse_keypath(keypath) if isinstance(keypath, str) else keypath
    shown = keypath if isinstance(keypath, str) else format_selectors(selectors)
    path: list[Segment] = []
    node = tree
    for position, selector in enumerate(selectors):
        if isinstance(node, list):
            path.append(list_index(selector, len(node), shown))
        elif isinstance(node, Mapping):
            key = find_key(node, selector, shown)
            if key is None:
                raise KeyPathError("no such key" + (_dotted_key_hint(node, selectors, position)
                                                     or canonical_twin_hint(node, selectors, position)
                                                     or near_key_hint(node, selectors, position)), keypath=shown)
            path.append(key)
        else:
            raise KeyPathError("the path goes through a value that is not a mapping or list "
                               f"({format_keypath(tuple(path))} holds a single value)", keypath=shown)
        node = child(node, path[-1])
    return tuple(path)


def format_selectors(selectors: KeyPath) -> str:
    import json
    return "".join(f"[{json.dumps(s.value)}]" if s.kind != "dotted" else f".{s.value}" for s in selectors).lstrip(".")


def child(node: Any, segment: Segment) -> Any:
    """``node[segment]`` for a mapping key or list index taken from a typed path."""
    return node[segment]


def plain_tree(tree: Any) -> Any:
    """A copy of ``tree`` made of plain ``dict`` and ``list`` (of whatever subclass they were), its
    scalars shared."""
    if isinstance(tree, dict):
        return {key: plain_tree(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [plain_tree(value) for value in tree]
    return tree


def get_at(tree: Any, path: Path) -> Any:
    node = tree
    for segment in path:
        node = node[segment]
    return node


def has_path(tree: Any, path: Path) -> bool:
    """Whether ``path`` exists in ``tree``, keys compared by type (``1`` is not ``true``)."""
    node = tree
    for segment in path:
        if isinstance(segment, ListIndex):
            if not isinstance(node, list) or not 0 <= segment < len(node):
                return False
        elif not isinstance(node, Mapping) or not has_key(node, segment):
            return False
        node = node[segment]
    return True


def has_key(mapping: Mapping[Any, Any], key: Any) -> bool:
    """Whether ``mapping`` holds ``key`` itself: ``1``, ``1.0`` and ``true`` are one key to Python, three to YAML."""
    if key not in mapping:
        return False
    if isinstance(key, str):
        return True
    return any(type(k) is type(key) and k == key for k in mapping)


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

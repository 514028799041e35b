"""Changing a YAML text with aliases and merge keys: which places are written, and which change
with them (docs/format.md §1).

A value is changed where it is written: ``set`` at an anchored path changes it at every alias (that
is what an anchor means), ``set`` at a key a merge (``<<: *default``) gives writes that key into
the merging mapping, replacing the merged value as YAML does, ``set`` or ``unset`` at an alias
(``b: *a``) replaces or removes the alias itself, and a path inside an alias, or a merged subtree,
is refused with the written path to change instead. ``unset`` refuses to remove what an alias still
names (the alias would be left dangling).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ruamel.yaml.error import StreamMark
from ruamel.yaml.nodes import ScalarNode

from sealfile.errors import KeyPathError
from sealfile.model.keypath_syntax import Selector
from sealfile.model.lazy_pattern import compiled_when_used
from sealfile.model.paths import Path, encode_path, format_keypath
from sealfile.stores.yaml import entries
from sealfile.stores.yaml.aliases import Copy, copied_data
from sealfile.stores.yaml.intended import changed_tree
from sealfile.stores.yaml.scanned import Scan
from sealfile.stores.yaml.spans import alias_span

_anchor_first = compiled_when_used(r"(?:![^ \t\r\n]*[ \t\r\n]+)?&([^ \t\r\n,\[\]{}]+)")
_anchor_last = compiled_when_used(r"&[^ \t\r\n,\[\]{}]+(?:[ \t]+![^ \t\r\n]*)?[ \t]*$")
"""A node's properties as its span starts (a tag, then its anchor; or the anchor alone)."""


def mirrors(copies: list[Copy], path: Path) -> list[Path]:
    """Every other place that holds what is written at ``path`` (copies of it or of a node around
    it, and copies of those): where a change at ``path`` shows too."""
    found: list[Path] = []
    todo = [path]
    while todo:
        current = todo.pop()
        for copy in copies:
            cut = len(copy.source)
            if current[:cut] == copy.source:
                place = copy.place + current[cut:]
                if place not in found:
                    found.append(place)
                    todo.append(place)
    return found


def _held_by(scanned: Scan, path: Path) -> Copy | None:
    """The alias or merged key that puts what is at ``path`` there (``None``: ``path`` is written)."""
    return next((copy for copy in scanned.copies if path[:len(copy.place)] == copy.place), None)


def alias_at(scanned: Scan, path: Path) -> tuple[Any, Any, tuple[int, int]]:
    """``(node, key node or None, span)`` of the alias written at ``path`` (:class:`KeyPathError`: none
    is), the node a stand-in spanning the alias's ``*name`` (its marks would be its anchor's)."""
    copy = next((copy for copy in scanned.copies if copy.place == path and not copy.merged), None)
    if copy is None:
        raise KeyPathError("no such key")
    text = scanned.text
    start, end = alias_span(text, copy.key_node, scanned.containers[encode_path(path[:-1])][1], path[-1])
    marks = [StreamMark("", index, text.count("\n", 0, index), index - text.rfind("\n", 0, index) - 1)
             for index in (start, end)]
    return ScalarNode("tag:yaml.org,2002:str", text[start:end], *marks), copy.key_node, (start, end)


def _elsewhere(copy: Copy, path: Path) -> str:
    if copy.merged and len(copy.source) > len(copy.place) and copy.source[len(copy.place) - 1] == "<<":
        return (f"the value at {format_keypath(copy.place)} is merged (<<) from a mapping written in the merge key, "
                "which no key path names: edit the file")
    how = "merged (<<) from" if copy.merged else "an alias of"
    return (f"the value at {format_keypath(copy.place)} is {how} {format_keypath(copy.source) or 'the document'}: "
            "change it there, or edit the file")


def written_for_set(scanned: Scan, path: Path, missing: list[Any], keypath: str) -> tuple[Path, list[Any]]:
    """``(path, missing)`` of a ``set`` (the longest existing path and what it adds) as written in the
    text: a merged key becomes a key to add to the merging mapping."""
    copy = _held_by(scanned, path) if scanned.copies else None
    if copy is None or (copy.place == path and not copy.merged and not missing):  # written, or an alias replaced
        return path, missing
    if copy.merged and copy.place == path and not missing:
        return path[:-1], [Selector("str", path[-1]) if isinstance(path[-1], str) else
                           Selector("bool" if isinstance(path[-1], bool) else "int", path[-1])]
    raise KeyPathError(_elsewhere(copy, path), keypath=keypath)


def refuse_unset(scanned: Scan, path: Path, keypath: str) -> None:
    """Refuse to remove a value an alias or merge gives, or one an alias elsewhere still names."""
    copy = _held_by(scanned, path)
    if copy is not None and (copy.merged or copy.place != path):  # an alias itself may go
        raise KeyPathError(_elsewhere(copy, path), keypath=keypath)
    _refuse_lost_anchors(scanned, path, keypath, replaced=False)


def refuse_replaced_anchors(scanned: Scan, path: Path, keypath: str) -> None:
    """Refuse to write a new value over one holding an anchor an alias or merge elsewhere names: the
    anchor would go with it (the anchor at ``path`` itself is kept on the new value)."""
    _refuse_lost_anchors(scanned, path, keypath, replaced=True)


def _refuse_lost_anchors(scanned: Scan, path: Path, keypath: str, *, replaced: bool) -> None:
    cut = len(path)
    for copy in scanned.copies:
        named = copy.source[:-1] if copy.merged else copy.source  # a merge names the mapping holding the key
        if copy.source[:cut] != path or copy.place[:cut] == path or (replaced and len(named) <= cut):
            continue
        if not copy.merged:
            raise KeyPathError(f"an alias at {format_keypath(copy.place)} names the value at "
                               f"{format_keypath(copy.source)}: remove or replace the alias first", keypath=keypath)
        if cut < len(copy.source):  # the whole merged mapping (one of its keys may go: the merge drops it)
            raise KeyPathError(f"a merge key (<<) at {format_keypath(copy.place[:-1])} names the mapping at "
                               f"{format_keypath(named)}: remove or replace the merge first", keypath=keypath)


def key_changed(scanned: Scan, path: Path, change: Callable[[Any, Any], None]) -> Any:
    """The tree with ``change(container, key)`` made at ``path`` and every place that holds it again."""
    tree = changed_tree(scanned.tree, path[:-1], lambda node: change(node, path[-1]),
                        [(place[:-1], _bound(change, place[-1])) for place in mirrors(scanned.copies, path)])
    return _merged_again(tree, scanned, path)


def container_changed(scanned: Scan, path: Path, change: Callable[[Any], None], key: Any = None) -> Any:
    """The tree with ``change(container)`` made to the container at ``path`` (adding ``key``) and every copy of it."""
    tree = changed_tree(scanned.tree, path, change, [(place, change) for place in mirrors(scanned.copies, path)])
    return _merged_again(tree, scanned, (*path, key))


def _merged_again(tree: Any, scanned: Scan, changed: Path) -> Any:
    """``tree`` with every merging mapping built again from what it merges, as the scan builds it
    (:meth:`~sealfile.stores.yaml.aliases.AliasWalk._merged`): a key added to a merged mapping
    shows in the mappings merging it, a key written over a merged one and removed gives the merged
    one back. The key at ``changed`` is written in its mapping."""
    if not scanned.merges:
        return tree
    tree = copied_data(tree)  # the mappings below are changed in place: none may be the scan's own
    for place, sources, own in scanned.merges:
        mapping = _at(tree, place)
        if not isinstance(mapping, dict):  # the merging mapping itself was replaced or removed
            continue
        chosen: dict[Any, Any] = {}
        for source in reversed(sources):  # a path, or a mapping written in the merge key itself
            merged = _at(tree, source) if isinstance(source, tuple) else source
            if not isinstance(merged, dict):  # the anchored mapping was given another kind of value
                raise KeyPathError(f"a merge key (<<) at {format_keypath(place)} names the mapping at "
                                   f"{format_keypath(source)}: it must stay a mapping (change the merge first)",
                                   keypath=format_keypath(changed))
            chosen.update(merged)
        added = [changed[-1]] if changed[:-1] == place and changed[-1] not in own else []
        rebuilt = {key: copied_data(value) for key, value in chosen.items()}
        rebuilt.update((key, mapping[key]) for key in [*own, *added] if key in mapping)
        mapping.clear()
        mapping.update(rebuilt)
    return tree


def _at(tree: Any, path: Path) -> Any:
    for segment in path:
        if not isinstance(tree, (dict, list)):
            return None
        try:
            tree = tree[segment]  # type: ignore[index]  # a list index is an int
        except (KeyError, IndexError):
            return None
    return tree


def _bound(change: Callable[[Any, Any], None], key: Any) -> Callable[[Any], None]:
    return lambda node: change(node, key)


def kept_anchor(text: str, node: Any, start: int, end: int, value: Any) -> tuple[int, int, str] | None:
    """The edit that writes ``value`` in place of the collection ``node`` (spanning ``start:end``)
    keeping its anchor, which aliases may name (written afresh, the anchor went with the node, and
    every alias of it named nothing): ``&name`` then the value in flow style. ``None``: no anchor. An anchored
    scalar (a null that becomes a mapping) keeps its anchor as it is, the new collection after it in flow style."""
    if isinstance(node, ScalarNode):  # its anchor stands before its span, and stays: the new value follows it
        flow = isinstance(value, (dict, list)) and _anchor_last().search(text, text.rfind("\n", 0, start) + 1, start)
        return (start, end, (" " if start == end else "") + entries.flow(value)) if flow else None
    found = _anchor_first().match(text, start)
    if found is None or found.end() > end:
        return None
    span = text[start:end]
    kept = len(span) - len(span.rstrip(" \t\r\n"))  # the line break ending a block collection stays
    return start, end - kept, f"&{found[1]} {entries.flow(value)}"

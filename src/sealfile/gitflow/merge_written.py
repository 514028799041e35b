"""A YAML version's items as written, for the three-way merge: an alias is the alias (of the path its
anchor is written at), not a copy of what it names, and a key a merge key (``<<: *base``) gives is not
an item of the merging mapping (its merge is, with the mapping).

Planned over what aliases put elsewhere, a change at an anchor showed as a change at every alias of it
too: a list holding ``*anchor`` then "changed" on the side that only changed the anchor, and conflicted
with, or was written over, the other side's change of that list. Planned as written, each change is
made once, where it is written, and the aliases follow it.
"""

from __future__ import annotations

from typing import Any

from sealfile.errors import FormatError, KeyPathError
from sealfile.gitflow.merge_plan import MAPPING, Items, documents, flatten, framed, where_now
from sealfile.gitflow.sealed import keypath
from sealfile.model.paths import ListIndex, Path, check_key, encode_path, get_at, has_path
from sealfile.model.scalars import comparable, same_data
from sealfile.ops.plain_edit import set_path
from sealfile.stores import Store
from sealfile.stores.yaml.basics import split_bom
from sealfile.stores.yaml.custom_tags import TAG_ENTRY
from sealfile.stores.yaml.graft import graft
from sealfile.stores.yaml.scan import Scan, scan

ALIAS = b"\0alias"
"""An alias: followed by the encoded path of the node it names (as written in that version)."""


def written_items(scanned: Scan) -> Items:
    """Every written mapping (with what it merges) and every other written node (lists by written
    content) under its path; aliases as :data:`ALIAS` items, merged keys left out; a node's application tag
    (``!Ref``) is part of its item, so a tag changed is a change."""
    if not scanned.copies and not scanned.tagged:
        return flatten(scanned.tree)
    tags = {path: entry for _at, path, entry in scanned.refs if entry.startswith(TAG_ENTRY)}
    aliases = {copy.place: copy.source for copy in scanned.copies if not copy.merged}
    merged = {copy.place for copy in scanned.copies if copy.merged}
    merges = {place: sources for place, sources, _own in scanned.merges}

    def merge_part(path: Path) -> bytes:
        sources = merges.get(path)
        if not sources:
            return b""
        return b"<<" + b"".join(framed(encode_path(s) if isinstance(s, tuple) else b"{" + content((*path, "<<"), s))
                                for s in sources)

    def content(path: Path, node: Any) -> bytes:
        if tags and encode_path(path) in tags:
            return tags[encode_path(path)] + b"\0" + untagged(path, node)
        return untagged(path, node)

    def untagged(path: Path, node: Any) -> bytes:
        if path in aliases:
            return ALIAS + encode_path(aliases[path])
        if isinstance(node, list):
            return b"[" + b"".join(framed(content((*path, ListIndex(i)), x)) for i, x in enumerate(node)) + b"]"
        if isinstance(node, dict):
            return b"{" + merge_part(path) + b"".join(framed(comparable(k)) + framed(content((*path, k), v))
                                                      for k, v in node.items() if (*path, k) not in merged) + b"}"
        return comparable(node)

    items, stack = documents(scanned.tree)
    while stack:
        path, node = stack.pop()
        if path in merged:
            continue
        if isinstance(node, dict) and path not in aliases:
            items[path] = MAPPING + merge_part(path) + tags.get(encode_path(path), b"")
            stack.extend(reversed([((*path, check_key(k, path)), v) for k, v in node.items()]))
        else:
            items[path] = content(path, node)
    return items


def under(items: Items, path: Path) -> Items:
    """The items at and below ``path``."""
    return {p: item for p, item in items.items() if p[:len(path)] == path}


def involves_aliases(scanned: Scan, path: Path) -> bool:
    """Whether an alias or merge is written at or below ``path``, or an anchor an alias names is, or a node
    there has an application tag (which a value written afresh from data would lose)."""
    cut = len(path)
    return (any(copy.place[:cut] == path or copy.source[:cut] == path for copy in scanned.copies)
            or any(tagged[:cut] == path for tagged in scanned.tagged))


_PLACEHOLDER = "sealfile-merge-placeholder"
"""A new key's value, written first so the key is placed as any new key is, then grafted over."""


def as_written(text: str, store: Store, theirs: Scan, theirs_items: Items, path: Path, after: Any) -> tuple[str, bool]:
    """``(text, True)``: the value at ``path`` is there as theirs writes it, already or grafted from
    theirs' text. ``(text, False)``: it cannot be grafted there; the caller writes it from data, which keeps
    what theirs' value means. :class:`FormatError` (naming the key path, saying what to do):
    theirs' value holds aliases that cannot be written here."""
    bom, body = split_bom(text)
    current = scan(body)
    wanted = under(theirs_items, path)
    if under(written_items(current), path) == wanted:
        return text, True
    try:  # theirs' text, not its data, so a value keeps theirs' spelling (quotes, styles) and comments
        if path not in written_items(current):
            body = split_bom(set_path(text, store, path, _PLACEHOLDER, after=after))[1]
            current = scan(body)
        grafted = graft(body, current, path, theirs)
        if under(written_items(scan(grafted)), path) == wanted:
            return bom + grafted, True
    except (FormatError, KeyPathError):
        pass
    if not involves_aliases(theirs, path):
        return text, False
    raise FormatError(f"theirs' change at {keypath(path)} holds YAML aliases, anchors, merge keys or tags that cannot "
                      "be written into our version there; combine the two versions by hand")


def regrafted(text: str, theirs: Scan, path: Path) -> str:
    """``text`` with the value at ``path`` grafted again from theirs' text where an earlier graft failed and the
    value was written from data: the other changes applied since may have taken away what stood in its way (an
    anchor theirs moved out of a mapping to a new key, still on its old place when the new key was written). Kept
    only where every item of the text stays as it was (the graft changes the spelling, never the data)."""
    bom, body = split_bom(text)
    try:
        current = scan(body)
        again = graft(body, current, path, theirs)
        if written_items(scan(again)) == written_items(current):
            return bom + again
    except (FormatError, KeyPathError):
        pass
    return text


_MISSING = object()


def _value(tree: Any, path: Path) -> Any:
    return get_at(tree, path) if has_path(tree, path) else _MISSING


def _same(a: Any, b: Any) -> bool:
    return a is b if _MISSING in (a, b) else same_data(a, b)


def _follows(base: Items, side: Items, path: Path) -> bool:
    """Whether ``path`` is an alias in the base and still one on this side, of the node it named where the side
    moved that node (unchanged, :func:`~.merge_plan.where_now`): no spelling changed, and where the other side
    kept the alias, its change of the node is a change where the base held it (merged, or a conflict, there), not
    one through this alias."""
    was, now = base.get(path, b""), side.get(path, b"")
    if not (was.startswith(ALIAS) and now.startswith(ALIAS)):
        return False
    named = next((q for q in base if encode_path(q) == was[len(ALIAS):]), None)
    return named is not None and encode_path(where_now(base, side, named)) == now[len(ALIAS):]


def respelled(base: tuple[Any, Items], ours: tuple[Any, Items], theirs: tuple[Any, Items]
              ) -> tuple[Items, Items, set[Path]]:
    """Ours' and theirs' items without the changes that only write a value otherwise (an alias made a
    copy of what it names, or a copy made an alias of an equal value) where the other side changed that
    value through its anchor: the value's change is the merge's, not the spelling's. A spelling of
    theirs is left out (ours' stays, with the changed value); one of ours takes theirs' value, written
    as ours writes it (the paths returned: written from theirs' values, not from theirs' text)."""
    (b_data, b_items), (o_data, o_items), (t_data, t_items) = base, ours, theirs
    o_items, t_items = dict(o_items), dict(t_items)
    by_value: set[Path] = set()
    for mine, other_data, is_ours in ((t_items, o_data, False), (o_items, t_data, True)):
        data, other = (o_data, t_items) if is_ours else (t_data, o_items)
        changed = sorted((p for p in {*mine, *b_items} if mine.get(p) != b_items.get(p)), key=len)
        done: list[Path] = []
        for p in changed:
            if any(p[:len(d)] == d for d in done):
                continue
            was = _value(b_data, p)
            if not _same(_value(data, p), was) or _same(_value(other_data, p), was) \
                    or (other.get(p) == b_items.get(p) and _follows(b_items, mine, p)):
                # a change of the value itself, the other side left the value as it was, or an alias still naming
                continue  # the node it named, which this side moved, changed by the other side only through it
            done.append(p)
            for q in [q for q in {*mine, *b_items} if q[:len(p)] == p]:
                if q in b_items:
                    mine[q] = b_items[q]
                else:
                    del mine[q]
            if is_ours:  # theirs' value there, as data: ours writes it its own way
                by_value.add(p)
                for q in [q for q in t_items if q[:len(p)] == p]:
                    del t_items[q]
                if has_path(t_data, p):
                    t_items.update((p + q, item) for q, item in flatten(get_at(t_data, p), subtree=True).items())
    return o_items, t_items, by_value

"""What a three-way merge of sealed files does, by key path: each side's items, which of theirs'
changes apply to ours and which conflict, and the check that the merged text holds exactly that.

The merge writes its result by editing ours' text (:mod:`sealfile.ops.plain_edit`); the check reads
that text back and compares it with what the plan means, so an edit that lands where the text
reads otherwise (a comment taken into a new block scalar, a lost line break) is refused, not sealed.
"""

from __future__ import annotations

from typing import Any

from sealfile.errors import FormatError
from sealfile.gitflow.sealed import keypath
from sealfile.model.paths import ListIndex, Path, check_key
from sealfile.model.scalars import comparable

MAPPING = b"\0mapping"
"""An item that is a mapping: two mappings are "the same item" whatever their keys."""
STREAM = b"\0stream"
"""A YAML stream's top level (its documents' list, docs/format.md §1): its documents merge by index, as keys do."""

Items = dict[Path, bytes]


def flatten(tree: Any, *, subtree: bool = False) -> Items:
    """Every mapping (as :data:`MAPPING`) and every other node (by content) under its path: of a file's data (a
    stream's documents each an item of its own), or of the ``subtree`` of one (a list there is one item)."""
    items, stack = ({}, [((), tree)]) if subtree else documents(tree)
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            items[path] = MAPPING
            stack.extend(reversed([((*path, check_key(k, path)), v) for k, v in node.items()]))
        else:
            items[path] = content_of(node)
    return items


def documents(tree: Any) -> tuple[Items, list[tuple[Path, Any]]]:
    """A file's top-level item, and where a walk of its items starts: each document of a stream (the only
    file with a list at the top, docs/format.md §1) under its index, as a mapping's values under their keys."""
    if isinstance(tree, list):
        return {(): STREAM}, [((ListIndex(i),), document) for i, document in reversed(list(enumerate(tree)))]
    return {}, [((), tree)]


def content_of(node: Any) -> bytes:
    """Canonical bytes of a value: type and content, not spelling (the one notion of the same value)."""
    if isinstance(node, list):
        return b"[" + b"".join(framed(content_of(x)) for x in node) + b"]"
    if isinstance(node, dict):
        return b"{" + b"".join(framed(content_of(k)) + framed(content_of(v)) for k, v in node.items()) + b"}"
    return comparable(node)


def framed(part: bytes) -> bytes:
    return len(part).to_bytes(4, "big") + part


def plan(base: Items, ours: Items, theirs: Items) -> tuple[list[Path], list[Path]]:
    """Which of theirs' changes to apply to ours, and which paths conflict."""
    ours_changed = {p for p in {*ours, *base} if ours.get(p) != base.get(p)}
    theirs_changed = [p for p in {**theirs, **base} if theirs.get(p) != base.get(p)]
    # Changes of ours that theirs did not make identically: theirs must not touch them or their subtrees.
    ours_only = {p for p in ours_changed if ours.get(p) != theirs.get(p)}
    ours_ancestors = {p[:i] for p in ours_only for i in range(len(p))}
    applied: list[Path] = []
    found: list[Path] = []
    for p in theirs_changed:
        if theirs.get(p) == ours.get(p):
            continue
        if p in ours_only or p in ours_ancestors or any(p[:i] in ours_only for i in range(len(p))):
            found.append(p)
        else:
            applied.append(p)
    # A conflict covers its subtree: the file keeps ours' whole value there, so nothing theirs changed
    # inside it (a sibling their deletion of the subtree also removed) is applied, and it is named once.
    conflicting = set(found)
    conflicts = [where_now(base, ours, p) for p in found if not _under(p, conflicting)]
    return [p for p in applied if not _under(p, conflicting)], conflicts


def where_now(base: Items, ours: Items, path: Path) -> Path:
    """Where a conflict stands in ours (the file's text): ``path``, or where ours moved it, when ours took the
    subtree holding ``path`` out of the place it had (its parent kept) and holds it, unchanged, at exactly one
    other path. Named at its old path, the conflict would point at nothing the file holds."""
    moved = next((path[:i] for i in range(1, len(path) + 1) if path[:i] not in ours and path[:i - 1] in ours
                  and path[:i] in base), None)
    if moved is None:
        return path
    was = _relative(base, moved)
    places = [q for q in ours if q not in base and q[:-1] in ours and _relative(ours, q) == was]
    return (*places[0], *path[len(moved):]) if len(places) == 1 else path


def _relative(items: Items, top: Path) -> Items:
    """The items at and under ``top``, by their path from it."""
    return {p[len(top):]: item for p, item in items.items() if p[:len(top)] == top}


def _under(path: Path, tops: set[Path]) -> bool:
    """Whether a proper ancestor of ``path`` is one of ``tops``."""
    return any(path[:i] in tops for i in range(len(path)))


def check_merged(merged: Items, ours: Items, theirs: Items, applied: list[Path]) -> None:
    """Refuse a merged text that does not hold ours' items with theirs' at (and under) each applied
    path, naming the first key path that differs."""
    taken = set(applied)

    def from_theirs(path: Path) -> bool:
        return any(path[:i] in taken for i in range(len(path) + 1))

    intended = {p: item for p, item in ours.items() if not from_theirs(p)}
    intended.update((p, item) for p, item in theirs.items() if from_theirs(p))
    if merged != intended:
        first = min((p for p in {*merged, *intended} if merged.get(p) != intended.get(p)),
                    key=lambda p: (len(p), keypath(p)))
        how = ("it is missing there" if first not in merged else "it is there but the merge does not mean it"
               if first not in intended else "it holds another value there than the merge means")
        raise FormatError(f"the merged text would hold other data at {keypath(first)} ({how}); please report it")


def check_values(merged: Items, base: Items, ours: Items, theirs: Items, conflicts: list[Path]) -> None:
    """Refuse a merge planned as written (:mod:`.merge_written`) whose values differ from what the
    values mean: where one side changed a value only through an alias or merge (its anchor changed) and
    the other side changed how it is written there (an alias made a copy, a merge taken out), the
    written plan takes the second, the values the first. Neither is the merge: the user chooses. At and
    under a conflict the file keeps ours' text, and the conflict is reported; where aliases show it, ours' value."""
    skipped = set(conflicts)
    for p in sorted({*merged, *base, *ours, *theirs}, key=len):
        b, o, t, m = base.get(p), ours.get(p), theirs.get(p), merged.get(p)
        if p in skipped or _under(p, skipped) or (o != b and t != b and o != t) or (b is None and None in (o, t)):
            skipped.add(p)
            continue  # both changed it, or one added it: the written plan says what it holds
        if m != (t if o == b else o) and not (conflicts and m == o):  # ours' kept at a conflict shows at its aliases
            raise FormatError(f"ours and theirs change the value at {keypath(p)} differently, one of them only "
                              "through a YAML alias or merge key; combine the two versions by hand")

"""A YAML stream's documents in the three-way merge (:mod:`.merge`): matched by index, each merged as a mapping.

The plan (:mod:`.merge_plan`) merges documents by index, as it merges keys. An index names the same document
in the three versions only while no side moved documents: a side that added or removed documents may have
inserted or dropped one before others, and its document ``i`` may then be the base's ``i + 1``, however alike
the two read. So from the first document where such a side differs from the base, each document the other side
changed is a conflict as a whole (never a key of one document applied to another). Theirs' documents added or
removed are not written into ours' text (the merge edits ours' text key by key): that is refused, naming the
document, as is a file one side turned from one document into a stream or back.
"""

from __future__ import annotations

from typing import Any

from sealfile.errors import FormatError
from sealfile.gitflow.merge_plan import content_of
from sealfile.model.paths import ListIndex, Path


def moved_documents(base: Any, ours: Any, theirs: Any, applied: list[Path],
                    conflicts: list[Path]) -> tuple[list[Path], list[Path]]:
    """``applied`` and ``conflicts`` with each document that a side's added or removed documents may have
    moved, and the other side changed, a conflict as a whole."""
    _refuse_kind_change(base, ours, theirs)
    if not isinstance(ours, list) or not isinstance(theirs, list):
        return applied, conflicts
    before = base if isinstance(base, list) else []
    moved: set[int] = set()
    for side, other in ((ours, theirs), (theirs, ours)):
        if len(side) == len(before):
            continue  # documents stay where they are
        start = next((i for i in range(min(len(side), len(before))) if _doc(side, i) != _doc(before, i)),
                     min(len(side), len(before)))
        past = range(start, max(len(side), len(other), len(before)))
        touched = {i for i in past if _doc(other, i) != _doc(before, i) and _doc(other, i) != _doc(side, i)}
        if touched:  # then none of this side's documents from there on is merged into another
            moved |= touched | {i for i in past if _doc(side, i) != _doc(before, i)}
    if not moved:
        return applied, conflicts
    whole = [(ListIndex(i),) for i in sorted(moved)]
    return ([p for p in applied if int(p[0]) not in moved],
            [p for p in conflicts if int(p[0]) not in moved] + whole)


def refuse_documents_added(applied: list[Path], ours: Any, theirs: Any) -> None:
    """Refuse theirs' document added, removed, or turned empty or back: ours' text is edited key by key."""
    if not isinstance(ours, list) or not isinstance(theirs, list):
        return
    for path in applied:
        if len(path) != 1:
            continue
        index = int(path[0])
        what = ("adds" if index >= len(ours) else "removes" if index >= len(theirs)
                else "empties" if content_of(theirs[index]) == content_of(None) else "writes keys into the empty")
        raise FormatError(f"theirs {what} document {index} of the stream (ours has {len(ours)} documents, theirs "
                          f"{len(theirs)}): the merge driver merges a stream's documents key by key; combine the "
                          "two versions by hand ('sealfile edit')")


def _refuse_kind_change(base: Any, ours: Any, theirs: Any) -> None:
    for name, side in (("ours", ours), ("theirs", theirs)):
        if base is not None and base != {} and isinstance(side, list) != isinstance(base, list):
            change = "into a stream of documents" if isinstance(side, list) else "from a stream into one document"
            raise FormatError(f"{name} turns the file {change}: the merge driver merges documents of the same "
                              "shape; combine the two versions by hand ('sealfile edit')")


def _doc(documents: list[Any], index: int, missing: bytes | None = b"") -> bytes | None:
    return content_of(documents[index]) if index < len(documents) else missing

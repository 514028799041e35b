"""A YAML stream's documents in the three-way merge (:mod:`.merge`): matched by index, each merged as a mapping.

The plan (:mod:`.merge_plan`) merges documents by index, as it merges keys. An index names the same document
in the three versions only while no side moved documents: a side that added or removed documents may have
inserted or dropped one before others, and its document ``i`` may then be the base's ``i + 1``, however alike
the two read. So from the first document where such a side differs from the base, each document the other side
changed is a conflict as a whole (never a key of one document applied to another). Documents theirs added after
the base's last, or removed from the end, are written into ours' text as theirs' text has them (an empty one
too: the seal then covers it, docs/format.md §7); keys theirs wrote into a document without values are written
into ours' as ``set`` writes them. Refused, naming the document: theirs emptying a document (ours' text is edited
key by key), and a file turned into a stream or back.
"""

from __future__ import annotations

import re
from typing import Any

from sealfile.errors import FormatError
from sealfile.gitflow.merge_plan import content_of
from sealfile.model.paths import ListIndex, Path
from sealfile.stores.yaml.basics import split_bom
from sealfile.stores.yaml.scan import scan

MARKER = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)
"""A document start marker (YAML 1.2 §9.1.4), at the start of its line."""


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


def key_by_key(applied: list[Path], ours: Any, theirs: Any) -> list[Path]:
    """The applied paths :func:`~.merge_apply.apply_theirs` writes: all but those of documents theirs added at
    the end or removed from it (:func:`with_theirs_documents` writes those), and theirs' keys written into a
    document ours holds without values (each written by its own path below); anything else done to a whole
    document (emptied, or made ``{}``) is refused, naming it."""
    if not isinstance(ours, list) or not isinstance(theirs, list):
        return applied
    for path in applied:
        index = int(path[0]) if path else -1
        if len(path) == 1 and index < min(len(ours), len(theirs)) and ours[index] is None and theirs[index]:
            continue  # keys theirs gave a document without values: each applied under it, as set writes it
        if len(path) == 1 and index < min(len(ours), len(theirs)):
            what = "empties" if content_of(theirs[index]) == content_of(None) else "writes {} into the empty"
            raise FormatError(f"theirs {what} document {index} of the stream: the merge driver merges a "
                              "document's keys, not the document; combine the two versions by hand ('sealfile edit')")
    return [p for p in applied if not p or (int(p[0]) < min(len(ours), len(theirs)) and len(p) > 1)]


def with_theirs_documents(merged: str, theirs_text: str, ours: Any, theirs: Any, applied: list[Path]) -> str:
    """``merged`` (ours' text, theirs' keys written in) with the documents theirs added after ours' last, or
    without those theirs removed from the end, each as theirs' text has it."""
    if not isinstance(ours, list) or not isinstance(theirs, list) or len(ours) == len(theirs) \
            or not any(len(p) == 1 for p in applied):
        return merged
    bom, body = split_bom(merged)
    if len(theirs) < len(ours):  # ours' documents from theirs' end on go, with what follows them
        return bom + body[:separator(body, scan(body).roots, len(theirs))]
    theirs_body = split_bom(theirs_text)[1]
    added = theirs_body[separator(theirs_body, scan(theirs_body).roots, len(ours)):]
    return bom + body + ("" if not body or body.endswith("\n") else "\n") + added


def separator(text: str, roots: list[Any], index: int) -> int:
    """Where the ``---`` line that starts document ``index`` begins."""
    found = list(MARKER.finditer(text, roots[index - 1].end_mark.index, roots[index].start_mark.index))
    if not found:
        raise FormatError(f"document {index} of the stream starts without a '---' line of its own; combine the "
                          "two versions by hand ('sealfile edit')")
    return found[-1].start()


def _refuse_kind_change(base: Any, ours: Any, theirs: Any) -> None:
    for name, side in (("ours", ours), ("theirs", theirs)):
        if base is not None and base != {} and isinstance(side, list) != isinstance(base, list):
            change = "into a stream of documents" if isinstance(side, list) else "from a stream into one document"
            raise FormatError(f"{name} turns the file {change}: the merge driver merges documents of the same "
                              "shape; combine the two versions by hand ('sealfile edit')")


def _doc(documents: list[Any], index: int) -> bytes:
    """Document ``index`` by content; ``b""`` (no content's bytes) past the end."""
    return content_of(documents[index]) if index < len(documents) else b""

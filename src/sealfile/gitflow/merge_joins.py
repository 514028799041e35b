"""Two documents of a YAML stream a side joined into one, for the three-way merge (:mod:`.merge_documents`).

A side that deleted the ``---`` line between the base's documents ``j`` and ``j + 1`` holds one document fewer,
and from ``j`` on its indices name other documents than the base's: each document the other side changed there
was a conflict as a whole. Where the join is all that side did to the stream (its document ``j`` holds the two
documents' keys as they were, in their order, and every other document as the base has it), and the other side
kept the documents where they were, the same ``---`` line is taken out of the base's text and the other side's
too; the three versions then hold the same documents at the same indices and merge by index, key by key, so the
other side's changes to either document land in the joined one. Each rewritten text is read back: it must hold
the two documents' keys and values joined and every other document as it was, or nothing is rewritten.

Anything else (the joiner changed a document too, the other side inserted or removed documents, or its two
documents cannot be joined: a key in both, a ``---`` line carrying more than the marker, a text that does not read
back as the join) is left to the matching of documents, with one line saying why the join was not followed.
"""

from __future__ import annotations

from typing import Any

from sealfile.errors import SealfileError
from sealfile.gitflow.merge_plan import content_of
from sealfile.gitflow.merge_streams import MARKER

JOINED = "the merge driver follows a join only where that side changed nothing else in the stream"


def join_at(base: list[Any], side: list[Any]) -> int | None:
    """The ``j`` where ``side`` is ``base`` with documents ``j`` and ``j + 1`` joined (two mappings without a key
    in common, the joined one their keys in order), nothing else changed; ``None`` where it is not."""
    if len(side) != len(base) - 1:
        return None
    for j in range(len(side)):
        first, second = base[j], base[j + 1]
        if not (isinstance(first, dict) and isinstance(second, dict)) or first.keys() & second.keys():
            continue
        if content_of(side[j]) == content_of({**first, **second}) \
                and _same(side[:j], base[:j]) and _same(side[j + 1:], base[j + 2:]):
            return j
    return None


def looks_joined(base: list[Any], side: list[Any]) -> int | None:
    """The ``j`` where a document of ``side`` holds every key of the base's documents ``j`` and ``j + 1`` (a join,
    maybe with other changes: two mappings, no key in both), for the message saying why it was not followed; else
    ``None``."""
    if len(side) != len(base) - 1:
        return None
    for j in range(len(base) - 1):
        first, second = base[j], base[j + 1]
        if isinstance(first, dict) and isinstance(second, dict) and first and second \
                and not first.keys() & second.keys() \
                and any(isinstance(d, dict) and first.keys() | second.keys() <= d.keys() for d in side):
            return j
    return None


def joined_text(plaintext: str, chunks: list[str], j: int, data: list[Any],
                read: Any) -> tuple[str, list[Any]] | str:
    """``plaintext``'s documents (``chunks``) with the ``---`` line starting document ``j + 1`` taken out, and the
    data it reads back as; or why they cannot be joined so."""
    first, second = data[j], data[j + 1]
    if not (isinstance(first, dict) and isinstance(second, dict)):
        return f"its documents {j} and {j + 1} are not both mappings"
    if common := sorted(map(str, first.keys() & second.keys())):
        return f"its documents {j} and {j + 1} both hold the key {common[0]!r}"
    marker, _, rest = chunks[j + 1].partition("\n")
    if not MARKER.match(marker) or marker.rstrip() != "---":
        return f"the '---' line starting its document {j + 1} carries more than the marker"
    text = "".join([*chunks[:j + 1], rest, *chunks[j + 2:]])
    try:
        found = read(text)
    except SealfileError:
        found = None
    want = [*data[:j], {**first, **second}, *data[j + 2:]]
    if not isinstance(found, list) or not _same(found, want):
        return f"its documents {j} and {j + 1} do not read back as one when joined"
    return text, found


def _same(left: list[Any], right: list[Any]) -> bool:
    return len(left) == len(right) and all(content_of(x) == content_of(y) for x, y in zip(left, right, strict=True))

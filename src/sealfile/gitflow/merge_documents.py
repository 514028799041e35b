"""Documents sides inserted into a YAML stream, or removed from it, before its last: aligned for the three-way
merge (:mod:`.merge`), as git's text merge follows such a change by its lines.

Documents merge by index (:mod:`.merge_streams`), and a side that inserted or removed a document shifts the indices
of those after it: its document ``i + 1`` is then the base's ``i``. So each side's documents are matched to the
base's (the same content; a changed one where each is the other's one best match by the values, then the keys, then
the lines of text they have in common), and all three versions are written as the merged stream: the base's
documents both sides kept (each version's own text of it), and each document a side inserted, as that side's text
has it, before the base document it came before (a first document without a ``---`` line gets one where it now
follows another); a document a side removed goes from all three. The three versions then hold the same documents at
the same indices and merge by index.

Not aligned, so left to :func:`~.merge_streams.moved_documents` (each document a shifted index reaches is then a
conflict as a whole, never merged into another document): both sides inserting documents at one place (which first
is the user's choice; but where one side changed the last line of the document before, or removed it, its documents
continue that change and come first, as in the text merge), a document one side removed and the other changed (a
document without the one best match counts as removed), a base with two documents alike, a document after the first
without a ``---`` line of its own, directives, or a text without a final line break. (Where all three hold as many
documents, nothing is realigned: a side inserting one and removing another is not told from one changing both.)"""

from __future__ import annotations

from collections import Counter
from difflib import SequenceMatcher
from typing import Any

from sealfile.errors import FormatError
from sealfile.gitflow.merge_apply import Side
from sealfile.gitflow.merge_joins import JOINED, join_at, joined_text, looks_joined
from sealfile.gitflow.merge_plan import content_of, flatten
from sealfile.gitflow.merge_streams import MARKER, separator
from sealfile.model.paths import ListIndex, encode_path
from sealfile.ops.document import Reuse
from sealfile.ops.plain_edit import plain_data
from sealfile.stores import Store
from sealfile.stores.base import line_break
from sealfile.stores.yaml.basics import split_bom
from sealfile.stores.yaml.scan import scan

Document = tuple[Any, str]
"""A document's data and its text in the stream (:func:`_chunks`)."""

Matches = list[int | None]
"""For each document of a side, the base's document it is (``None``: the side inserted it)."""


def align_documents(base: Side, ours: Side, theirs: Side, store: Store) -> str | None:
    """Where a side inserted or removed documents, or joined two (:mod:`.merge_joins`), write each side's such change
    into the base and the other side (their plaintext, data, items and kept ciphertexts), so documents match by
    index. Returns why a join seen was not followed (its documents may then be conflicts as a whole)."""
    sides = (base, ours, theirs)
    if store.name != "yaml" or not all(isinstance(side.data, list) for side in sides):
        return None
    if len({content_of(document) for document in base.data}) < len(base.data):
        return None  # two documents alike: which one a side's is would be a guess
    if len(ours.data) == len(base.data) == len(theirs.data):
        return None  # (a side that inserted one document and removed another is not told from one that changed both)
    chunks = [_chunks(side.plaintext) for side in sides]
    if any(found is None for found in chunks):
        return None
    note = _follow_join(base, ours, theirs, chunks, store)
    if len(ours.data) == len(base.data) == len(theirs.data):
        return None  # the join followed: documents match by index
    _realign((base, ours, theirs), chunks, store)
    return note


def _realign(sides: tuple[Side, Side, Side], chunks: list[list[str] | None], store: Store) -> None:
    """Each side's inserted and removed documents written into the others, where one order of them is."""
    base, ours, theirs = sides
    documents = [list(zip(side.data, found or [], strict=True)) for side, found in zip(sides, chunks, strict=True)]
    matches = [_matches(documents[0], side) for side in documents[1:]]
    order = _merged_order(base.data, (ours.data, theirs.data), matches, _ends_changed(chunks, matches))
    if order is None:
        return
    where: list[dict[int, int]] = [{j: j for j in range(len(base.data))},
                                   *({j: k for k, j in enumerate(m) if j is not None} for m in matches)]
    for side, own, at in zip(sides, chunks, where, strict=True):
        texts: list[str] = []
        old: Matches = []  # for each document now, its index in this side before
        for index, (from_side, n) in enumerate(order):
            k = at[n] if from_side is None else None  # the base's document: this side's own text of it
            written = chunks[0 if from_side is None else from_side]  # (each inserted one: its side's text)
            assert own is not None and written is not None
            texts.append(_placed(own[k] if k is not None else written[n], index))
            old.append(k)
        _rewrite(side, split_bom(side.plaintext)[0] + "".join(texts), store, old)


def _follow_join(base: Side, ours: Side, theirs: Side, chunks: list[list[str] | None], store: Store) -> str | None:
    """Where one side only joined two documents and the other kept the documents where they were, the same two
    joined in the base and the other side, each read back as the join (:mod:`.merge_joins`); else why not, where a
    side looks joined."""
    for joiner, other, at in ((ours, theirs, 2), (theirs, ours, 1)):
        j = join_at(base.data, joiner.data)
        seen = j if j is not None else looks_joined(base.data, joiner.data)
        if seen is None:
            continue
        said = f"{joiner.name} joined documents {seen} and {seen + 1} of the stream into one; not followed: "
        if j is None:
            return said + JOINED
        if len(other.data) != len(base.data):
            return said + f"{other.name} inserted or removed documents too"
        rewritten = []
        for side, own in ((base, chunks[0]), (other, chunks[at])):
            assert own is not None
            found = joined_text(side.plaintext, own, j, side.data, lambda text: plain_data(text, store))
            if isinstance(found, str):
                return said + f"{side.name}: {found}"
            rewritten.append((side, found[0]))
        for side, text in rewritten:  # documents before the join keep their index, those after it move up one
            _rewrite(side, text, store, [*range(j + 1), *(None for _ in side.data[j + 2:])])
        return None
    return None


def _merged_order(base: list[Any], sides: tuple[list[Any], list[Any]], matches: list[Matches],
                  ends: list[set[int]]) -> list[tuple[int | None, int]] | None:
    """The documents of the merged stream in order: ``(None, j)`` the base's ``j``, ``(s, k)`` side ``s``'s (1:
    ours, 2: theirs) inserted ``k``; ``None`` where no one order is (both sides inserted at one place, or a
    document one side removed and the other changed)."""
    inserted: list[dict[int, list[int]]] = [{}, {}]  # before base document j (len(base): at the end)
    for s, found in enumerate(matches):
        kept = [j for j in found if j is not None]
        for k, j in enumerate(found):
            if j is None:
                inserted[s].setdefault(next((b for b in kept if b > _last_before(found, k)), len(base)), []).append(k)
    for s, found in enumerate(matches):
        for j in set(range(len(base))).difference(found):
            there = next((k for k, b in enumerate(matches[1 - s]) if b == j), None)
            if there is not None and content_of(sides[1 - s][there]) != content_of(base[j]):
                return None  # removed by one side, changed by the other: a conflict as a whole
    order: list[tuple[int | None, int]] = []
    for j in range(len(base) + 1):
        first = _first_inserted(j, inserted, ends)
        if first is None:
            return None
        for s in first:
            order += [(s + 1, k) for k in inserted[s].get(j, [])]
        if j < len(base) and all(j in found for found in matches):
            order.append((None, j))
    return order


def _first_inserted(j: int, inserted: list[dict[int, list[int]]], ends: list[set[int]]) -> tuple[int, ...] | None:
    """Whose documents inserted before base document ``j`` come first (``None``: both sides inserted there, which
    first is the user's choice). One exception, as the text merge orders them: where one side changed the last line
    of the document before (or removed it), its inserted documents continue that change and come first; the other
    side's come after the lines it kept."""
    if not (j in inserted[0] and j in inserted[1]):
        return (0, 1)
    changed = [s for s in (0, 1) if j > 0 and j - 1 in ends[s]]
    return (changed[0], 1 - changed[0]) if len(changed) == 1 else None


def _ends_changed(chunks: list[list[str] | None], matches: list[Matches]) -> list[set[int]]:
    """For each side, the base documents whose last line it changed, or which it removed."""
    def last(chunk: str) -> str:
        return next(iter(_lines(chunk)[::-1]), "")
    base = chunks[0] or []
    return [{j for j in range(len(base)) if j not in found or last(own[found.index(j)]) != last(base[j])}
            for own, found in ((chunks[s + 1] or [], matches[s]) for s in (0, 1))]


def _last_before(found: Matches, k: int) -> int:
    """The base index of the last document before ``k`` that has one (-1: none)."""
    return next((j for j in reversed(found[:k]) if j is not None), -1)


def _matches(base: list[Document], side: list[Document]) -> Matches:
    """Which base document each of ``side``'s is; where which one became which is not the one best match, none:
    those of the base are removed and those of ``side`` new (which the other side must then not have changed)."""
    found: Matches = []
    contents = SequenceMatcher(None, [content_of(d) for d, _ in base], [content_of(d) for d, _ in side],
                               autojunk=False)
    for tag, i1, i2, j1, j2 in contents.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            found += list(range(i1, i2))
        elif tag == "insert":
            found += [None] * (j2 - j1)
        elif tag == "replace":
            found += [None if i is None else i1 + i for i in _best(base[i1:i2], side[j1:j2])]
    return found


def _best(base: list[Document], side: list[Document]) -> Matches:
    """Changed documents in a run where documents were also inserted or removed: a base document and a side's are
    the same where each is the other's one best match, in order; the others are new. Best: the most values in
    common, then keys, then lines of text (as the text merge aligns a changed document: a side's other document
    with as many values in common, or none, is new where its text differs more)."""
    common = [[_in_common(b, s) for s in side] for b in base]
    found: Matches = [None] * len(side)
    last = -1
    for i, row in enumerate(common):
        k = _only_best(row)
        if k is not None and k > last and _only_best([scores[k] for scores in common]) == i:
            found[k], last = i, k
    return found


def _in_common(base: Document, side: Document) -> tuple[int, int, int]:
    """How alike two documents are: values, keys (a changed value keeps its key), lines of text in common."""
    values, other = (_values(document) for document, _ in (base, side))
    lines = Counter(_lines(base[1])) & Counter(_lines(side[1]))
    return len(values & other), len({p for p, _ in values} & {p for p, _ in other}), sum(lines.values())


def _lines(chunk: str) -> list[str]:
    """A document's lines that say something (its ``---`` line and blank ones are in every document)."""
    return [line for line in chunk.splitlines() if line.strip() not in ("", "---")]


def _values(document: Any) -> set[tuple[Any, bytes]]:
    """A document's items but its top (every mapping has that one)."""
    return {(path, item) for path, item in flatten(document, subtree=True).items() if path}


def _only_best(scores: list[tuple[int, int, int]]) -> int | None:
    """The one best of ``scores`` (``None``: a tie, or nothing of the data in common)."""
    best = max(scores)
    return scores.index(best) if best[:2] > (0, 0) and scores.count(best) == 1 else None


def _chunks(plaintext: str) -> list[str] | None:
    """Each document's text, from its ``---`` line to the next one's, the first given one if it has none
    (``None``: a later document without its own ``---`` line, directives, or a text without a final line break)."""
    body = split_bom(plaintext)[1]
    if not body.endswith(("\n", "\r")):
        return None
    roots = scan(body).roots
    try:
        starts = [0, *(separator(body, roots, i) for i in range(1, len(roots)))]
    except FormatError:  # a document without a '---' line of its own: left unaligned
        return None
    if body.lstrip().startswith("%"):
        return None  # directives: they hold only before the stream's first document
    return [body[a:b] for a, b in zip(starts, [*starts[1:], len(body)], strict=True)]


def _placed(chunk: str, index: int) -> str:
    """A document's text at ``index`` of a stream: one after another starts with a ``---`` line."""
    return chunk if index == 0 or MARKER.search(chunk) else "---" + line_break(chunk) + chunk


def _rewrite(side: Side, plaintext: str, store: Store, matches: Matches) -> None:
    """``side`` as ``plaintext``, with the ciphertexts of the documents that kept their index."""
    side.plaintext, side.scanned = plaintext, None
    side.data = plain_data(plaintext, store)
    side.items = flatten(side.data)
    if side.reuse is None:
        return
    # A token is bound to its key path: those of documents now at another index are sealed again.
    kept = tuple(encode_path((ListIndex(k),)) for k, j in enumerate(matches) if j == k)
    stay = {p: t for p, t in side.reuse.tokens.items() if p.startswith(kept)}
    side.reuse = Reuse(side.reuse.data_key, side.reuse.groups, stay, side.reuse.threshold)

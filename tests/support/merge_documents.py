"""An oracle for merges of YAML streams where a side inserted or removed documents: documents matched one to one.

A side's document is the base's it matches, changed (or not), or one the side inserted; a base document no side's
matches, the side removed. Which matching a side meant can be ambiguous, so a merged stream is judged against each
plausible matching of each side (order kept, matched documents sharing a key path or one of them holding none, none
left unmatched that could be matched), and is right where one of them explains it: every document matched in both
sides merged by key (as ``by_key`` says), one removed by a side gone (and unchanged by the other: else a clean merge
is wrong), one a side inserted there as it wrote it (once where both inserted it alike), nothing else, and each
side's documents in its order.

Pinned (``pinned=True``): only the matchings that pair a base document and a side's wherever each is the other's one
most alike (``_alike``: an identical one first), as the driver pairs them; git's line alignment may pair them
otherwise (a document inserted before one whose first lines it repeats).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sealfile.gitflow.merge_plan import flatten
from sealfile.model.paths import Path

Items = dict[Path, bytes]
ByKey = Callable[[Items, Items, Items, Items], "Path | None"]
Entry = tuple[Callable[[Items], bool], "int | None", "int | None"]
"""A document the merge must hold: a test of the merged document, and its index in ours and in theirs (if any)."""


def documents_of(tree: Any) -> list[Items]:
    """Each document of a file's data, flattened on its own (a file of one document: one)."""
    return [flatten(document) for document in (tree if isinstance(tree, list) else [tree])]


def _related(x: Items, y: Items) -> bool:
    """Whether two documents may be one changed: they share a key path, or one has none (emptied, or filled)."""
    keys_x, keys_y = ({p for p in items if p} for items in (x, y))
    return bool(keys_x & keys_y) or not keys_x or not keys_y


def matchings(base: list[Items], side: list[Items]) -> Iterator[dict[int, int]]:
    """The plausible matchings of the base's documents to a side's: order kept, pairs related, maximal."""
    def extend(i: int, j: int, made: dict[int, int]) -> Iterator[dict[int, int]]:
        if i == len(base):
            yield made
            return
        for k in range(j, len(side)):
            if _related(base[i], side[k]):
                yield from extend(i + 1, k + 1, {**made, i: k})
        yield from extend(i + 1, j, made)

    found = list(extend(0, 0, {}))
    for made in found:
        if not any(made.items() < other.items() for other in found):  # maximal: no matching found holds it and more
            yield made


def _alike(x: Items, y: Items) -> tuple[int, int, int]:
    """How alike two documents are: values in common, then key paths holding the same kind of value (a list, a
    null, a string...: its content's first byte), then key paths in common."""
    x, y = ({p: item for p, item in items.items() if p} for items in (x, y))
    kinds = sum(1 for p in x.keys() & y.keys() if x[p][:1] == y[p][:1])
    return len(x.items() & y.items()), kinds, len(x.keys() & y.keys())


def _pinned(base: list[Items], side: list[Items], made: dict[int, int]) -> bool:
    """Whether ``made`` pairs each base document with the side's where each is the other's one most alike."""
    def best(scores: list[tuple[int, int, int]]) -> int | None:
        top = max(scores, default=(0, 0, 0))
        return scores.index(top) if top > (0, 0, 0) and scores.count(top) == 1 else None

    for i, document in enumerate(base):
        k = best([_alike(document, other) for other in side])
        if k is not None and best([_alike(other, side[k]) for other in base]) == i and made.get(i) != k:
            return False
    return True


def equally_alike(trees: list[Any]) -> bool:
    """Whether a base document has two documents of a side equally most alike it (``_alike``), or two base documents
    one of a side's (joined): which one the side changed would be a guess, so the driver may leave them conflicts as
    a whole."""
    b, *sides = (documents_of(tree) for tree in trees)
    for side in sides:
        bests = []
        for document in b:
            scores = [_alike(document, other) for other in side]
            if max(scores, default=(0, 0, 0)) > (0, 0, 0) and scores.count(max(scores)) > 1:
                return True
            bests.append(scores.index(max(scores)) if max(scores, default=(0, 0, 0)) > (0, 0, 0) else None)
        if any(bests.count(k) > 1 and sum(1 for p in side[k] if p) > 1 for k in bests if k is not None):
            return True  # one document most alike two of the base's, holding keys of each: the side joined them
    return False


def _entries(b: list[Items], o: list[Items], t: list[Items], ours: dict[int, int], theirs: dict[int, int],
             pair: Callable[[int, int], ByKey]) -> list[Entry] | None:
    """What a merge by this matching holds, or ``None`` where it cannot merge cleanly (changed and removed)."""
    entries: list[Entry] = []
    for i, base in enumerate(b):
        j, k = ours.get(i), theirs.get(i)
        if j is not None and k is not None:
            merged_by = pair(j, k)
            entries.append((lambda m, x=base, y=o[j], z=t[k], f=merged_by: f(m, x, y, z) is None, j, k))
        elif (j is not None and o[j] != base) or (k is not None and t[k] != base):
            return None
    entries += [(lambda m, y=d: m == y, j, None) for j, d in enumerate(o) if j not in ours.values()]
    entries += [(lambda m, z=d: m == z, None, k) for k, d in enumerate(t) if k not in theirs.values()]
    return entries


def _placed(merged: list[Items], left: list[Entry], taken: list[Entry]) -> bool:
    """Whether the merged documents after ``taken`` can each be one of the entries ``left`` (a document both sides
    inserted alike: one of each side's), every entry used, each side's documents in its order."""
    if len(taken) == len(merged):
        return not left
    document = merged[len(taken)]
    for n, entry in enumerate(left):
        rest = left[:n] + left[n + 1:]
        choices = [(entry, rest)]
        if entry[1] is not None and entry[2] is None:  # ours inserted it: theirs may have inserted it too
            choices += [((entry[0], entry[1], other[2]), [e for e in rest if e is not other]) for other in rest
                        if other[1] is None and other[2] is not None and other[0](document)]
        for chosen, others in choices:
            in_order = all(_before(before[s], chosen[s]) for before in taken for s in (1, 2))
            if in_order and chosen[0](document) and _placed(merged, others, [*taken, chosen]):
                return True
    return False


def _before(earlier: int | None, later: int | None) -> bool:
    return earlier is None or later is None or earlier < later


def by_documents(merged: Any, trees: list[Any], by_key: ByKey, pinned: bool = False,
                 pair: Callable[[int, int], ByKey] | None = None) -> str | None:
    """``None`` where some plausible matching of each side's documents (``pinned``: pairing identical documents)
    explains ``merged`` as a merge by key, else why not. ``pair``: the ``by_key`` for ours' document ``j`` matched
    with theirs' ``k`` (one that reads each side's aliases of that document), else ``by_key`` for every pair."""
    choose = pair or (lambda j, k: by_key)
    m, (b, o, t) = documents_of(merged), (documents_of(tree) for tree in trees)
    for ours in (made for made in matchings(b, o) if not pinned or _pinned(b, o, made)):
        for theirs in (made for made in matchings(b, t) if not pinned or _pinned(b, t, made)):
            entries = _entries(b, o, t, ours, theirs, choose)
            if entries is not None and _placed(m, entries, []):
                return None
    return f"{len(m)} merged document(s) no matching of the sides' documents explains as merged by key"


def joined(trees: list[Any]) -> list[Any] | None:
    """Where a side's documents are the base's with two neighbours joined into one (their keys in order, none in
    both) and nothing else changed, and the other side holds as many documents as the base, two of them mappings
    without a key in common there: the three versions with those two joined in the base and the other side, so
    they match by index (a merge of them by key is then a merge of the join); else ``None``."""
    if not all(isinstance(tree, list) for tree in trees):
        return None
    base = trees[0]
    for s in (1, 2):
        side, other = trees[s], trees[3 - s]
        if len(side) != len(base) - 1 or len(other) != len(base):
            continue
        for j in range(len(side)):
            if _joinable(base, j) and _joinable(other, j) and repr(side) == repr(_join(base, j)):
                found = [_join(base, j), side, side]
                found[3 - s] = _join(other, j)
                return found
    return None


def _joinable(documents: list[Any], j: int) -> bool:
    pair = documents[j:j + 2]
    return all(isinstance(d, dict) for d in pair) and not pair[0].keys() & pair[1].keys()


def _join(documents: list[Any], j: int) -> list[Any]:
    return [*documents[:j], {**documents[j], **documents[j + 1]}, *documents[j + 2:]]

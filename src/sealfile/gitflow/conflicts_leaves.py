"""The values in dispute in a conflict the merge driver left (:mod:`.conflicts`), followed where a write moves them.

A conflict is named at a key path whose whole value the driver kept from our side: a list (lists merge whole) or
a mapping theirs removed or replaced. Changing any one value under it changed its fingerprint, so removing an
unrelated list item passed as a resolution while the value in dispute, moved up one place, still stood. The
record therefore also keeps each value in dispute (ours' as written where theirs differs) twice: as a keyless hash
of its key path and sealed text, and of its key path, its token's time and its length (what a new data key keeps:
``rotate`` re-encrypts every value, keeping when each was set). The conflict stays open while one of them is still
written where it was (the second counted only once no data key the driver wrote is left, as for the fingerprints).

A write that seals a value in dispute again somewhere else carries its hashes over to where it now stands, in or
out of the conflict's key path (moved to another key, it is still the value the merge kept, not a decision):
``sealfile unset`` of a list item re-seals every later item one place up (a token is bound to its path); ``sealfile
edit`` seals afresh every value written at a place that held another one (an item removed or moved), as ``sealfile
set`` does every value of a list or mapping it sets whole; these are followed by value, in memory: a value in
dispute moved to the places holding the same value now. A value changed or removed is left behind, and resolved.
Nothing decrypted is recorded.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sealfile.errors import SealfileError
from sealfile.gitflow.merge_plan import framed
from sealfile.model.paths import ListIndex, Path, encode_path, iter_leaves
from sealfile.model.scalars import comparable, is_sealed

Disputed = tuple[tuple[str, ...], ...]
"""Per conflict, the sorted hashes of its values in dispute (both kinds together: they never coincide)."""
Moves = dict[str, list[tuple[bytes, str]]]
"""A value's hash where and as it was written -> (its encoded key path, its hash) at each place it stands now; a
value the write changed or removed -> ``[(its old encoded key path, "")]``: it is decided, and its hash by token
time must not match a value set in the same second, as long, once a new data key re-encrypts that. Values moved to
the places holding one value share that one list (the same object): a list of N items alternating two values, set
again whole, gave each of N values its own copy of N/2 places (N = 4,000 took 94 s and 1 GB)."""


def _prints(text: str, file: str) -> dict[Path, tuple[str, str]]:
    """Each value's key path -> hashes of that path and the value as written (sealed text, or plain), and of that
    path and its token's time and length ("" for a value not sealed: a new data key leaves it as it is)."""
    from sealfile.envelope.token_shape import dated, token_times
    from sealfile.gitflow.sealed import view
    from sealfile.stores import store_for

    leaves = view(text, store_for(file)).leaves
    sealed = [(p, v) for p, v in leaves.items() if isinstance(v, str) and is_sealed(v) and dated(v)]
    times = {p: b"%d %d" % (when, len(v)) for (p, v), when in zip(sealed, token_times(sealed), strict=True)}
    return {p: (_hash(b"", encode_path(p), comparable(v)),
                _hash(b"dated", encode_path(p), times[p]) if p in times else "") for p, v in leaves.items()}


def within(leaves: Sequence[tuple[bytes, Any]], prefix: bytes) -> Iterator[tuple[bytes, Any]]:
    """The pairs of ``leaves`` (sorted by encoded key path) under the key path encoded ``prefix``: one run of them,
    as encoded paths are self-delimiting, found by bisection. Reading every leaf for each conflict took a merge of
    3,000 conflicting keys 166 s."""
    from bisect import bisect_left

    for at, value in leaves[bisect_left(leaves, prefix, key=lambda pair: pair[0]):]:
        if not at.startswith(prefix):
            return
        yield at, value


def _hash(kind: bytes, *parts: bytes) -> str:
    """``kind`` keeps the hashes by time apart from those by sealed text (which have none, as records hold them)."""
    return hashlib.sha256((framed(kind) if kind else b"") + b"".join(map(framed, parts))).hexdigest()[:32]


def disputed(written: str, theirs: str, file: str, paths: Sequence[Path | None]) -> Disputed:
    """Per conflict (``None``: the rule, nothing), both hashes of each value written under it that theirs does not
    hold as written at the same key path; empty if either text is no sealed file. (A record written before the
    hashes by time were kept has only the first: read alike.)"""
    try:
        ours, other = _prints(written, file), {h for h, _ in _prints(theirs, file).values()}
    except SealfileError:
        return ()
    ordered = sorted((encode_path(p), hashes) for p, hashes in ours.items())
    return tuple(tuple(sorted(x for _, (h, d) in within(ordered, encode_path(top)) if h not in other
                              for x in (h, d) if x)) if top is not None else () for top in paths)


def still_disputed(text: str, file: str, hashes: Iterable[Iterable[str]], *, new_key: bool = False) -> bool:
    """Whether ``text`` still holds one of the values in dispute, where and as the record last saw it (with
    ``new_key``, or re-encrypted there under a new data key: the same token time and length)."""
    wanted = {h for group in hashes for h in group}
    if not wanted:
        return False
    try:
        prints = _prints(text, file).values()
    except SealfileError:
        return False
    return any(h in wanted or (new_key and d in wanted) for h, d in prints)


def carry(disputed: Disputed, moves: Moves) -> Disputed:
    """``disputed`` with each hash ``moves`` names replaced by its new places, wherever they are: a value in
    dispute moved out of the conflict's key path (into another key, list or mapping) is still the one the merge
    kept, not a decision, so it stays in dispute where it now stands."""
    found = []
    for hashes in disputed:
        kept = {h for h in hashes if h not in moves}
        shared = {id(moves[h]): moves[h] for h in hashes if h in moves}  # each list of places read once
        kept.update(n for places in shared.values() for _, n in places if n)
        found.append(tuple(sorted(kept)))
    return tuple(found)


def undated(dated: Sequence[str], tops: Sequence[str], moves: Moves) -> tuple[str, ...]:
    """A record's fingerprints by token time (per conflict, its key path ``tops`` encoded in hex, "" for the rule;
    none: one for the whole file), with those of each conflict where a write changed or moved a value blanked: what
    the driver wrote there no longer stands, and a value set in the same second, as long, would match it again
    once a new data key re-encrypts it."""
    lists = {id(targets): targets for targets in moves.values()}  # shared lists of places read once
    places = sorted((at, None) for targets in lists.values() for at, _ in targets)
    changed = [bool(top) and next(within(places, bytes.fromhex(top)), None) is not None for top in tops] \
        or [bool(places)]
    return tuple("" if index < len(changed) and changed[index] else d for index, d in enumerate(dated))


def _moves(before: str, after: str, file: str, places: Mapping[Path, Iterable[Path]]) -> Moves:
    """The :data:`Moves` of the values ``places`` says a write that made ``after`` of ``before`` moved (old key
    path -> new ones): either hash of one where it was followed by both where it stands (a record that knew it
    by time only, after a new data key, knows it by sealed text again)."""
    old, new = _prints(before, file), _prints(after, file)
    moves: Moves = {}
    followed: dict[int, list[tuple[bytes, str]]] = {}  # ``places`` holds each list of targets while this runs
    for p, targets in places.items():
        if id(targets) not in followed:
            followed[id(targets)] = [(encode_path(q), h) for q in targets if q in new for h in new[q] if h]
        now = followed[id(targets)] or [(encode_path(p), "")]  # nowhere: changed or removed, decided
        for was in old.get(p, ()):
            if was:  # a hash names its key path: no two places give the same one
                moves[was] = now
    return moves


def _moved_up(before: Iterable[Path], removed: Path) -> dict[Path, list[Path]]:
    """Where removing list item ``removed`` moves each later item's values: one place up."""
    depth, parent, index = len(removed) - 1, removed[:-1], removed[-1]
    if not isinstance(index, ListIndex):
        return {}
    return {p: [(*p[:depth], ListIndex(int(p[depth]) - 1), *p[depth + 1:])] for p in before
            if len(p) > depth and p[:depth] == parent and int(p[depth]) > int(index)}


def moved_by_unset(file: str | os.PathLike[str], before: str, after: str, keypath: str) -> Moves:
    """After ``sealfile unset FILE KEYPATH`` rewrote ``before`` as ``after``: each value it removed or moved (for
    :func:`.conflicts.carried`)."""
    from sealfile.gitflow.sealed import view
    from sealfile.model.paths import resolve
    from sealfile.ops.keyless_shape import keyless_shape
    from sealfile.stores import store_for

    name = os.fspath(file)
    try:
        leaves = view(before, store_for(name)).leaves
        removed = resolve(keyless_shape(list(leaves.items())), keypath)
        gone: dict[Path, list[Path]] = {p: [] for p in leaves if p[:len(removed)] == removed}
        return _moves(before, after, name, gone | _moved_up(leaves, removed))
    except SealfileError:
        return {}


def moved_by_edit(file: str | os.PathLike[str], before: str, after: str, plain_before: str,
                  plain_after: str) -> Moves:
    """After ``sealfile edit`` sealed ``plain_after`` (edited from ``plain_before``, the plaintext of ``before``) as
    ``after``: each value sealed again at a place that held another one, followed to every place holding the same
    value where the token is new (for :func:`.conflicts.carried`)."""
    from sealfile.stores import store_for

    store = store_for(os.fspath(file))
    try:
        return _by_value(file, before, after, store.load_fast(plain_before), store.load_fast(plain_after))
    except (SealfileError, TypeError, ValueError):
        return {}


def moved_by_set(file: str | os.PathLike[str], before: str, after: str, keypath: str, over: Sequence[Any],
                 new: Any) -> Moves:
    """After ``sealfile set FILE KEYPATH`` put the list or mapping ``new`` over ``over[-1]``, sealed afresh: as
    :func:`moved_by_edit`, within it; else (nothing whole set over) each value it changed at KEYPATH."""
    from sealfile.gitflow.sealed import view
    from sealfile.model.paths import resolve
    from sealfile.ops.keyless_shape import keyless_shape
    from sealfile.stores import store_for

    try:
        leaves = view(before, store_for(os.fspath(file))).leaves
        replaced = resolve(keyless_shape(list(leaves.items())), keypath)
        if over:
            return _by_value(file, before, after, over[-1], new, replaced)
        name, at = os.fspath(file), [p for p in leaves if p[:len(replaced)] == replaced]
        old, now = _prints(before, name), _prints(after, name)
        return _moves(before, after, name, {p: [] for p in at if now.get(p, ("",))[0] != old[p][0]})
    except (SealfileError, TypeError, ValueError):
        return {}


def _by_value(file: str | os.PathLike[str], before: str, after: str, old_data: Any, new_data: Any,
              under: Path = ()) -> Moves:
    """Each value of ``old_data`` (what ``before`` held at ``under``, decrypted) that the write of ``after`` sealed
    again or removed -> every place of ``new_data`` holding the same value under a new token."""
    name = os.fspath(file)
    old, new = _prints(before, name), _prints(after, name)
    was = {p: comparable(v) for p, v in iter_leaves(old_data, under) if not isinstance(v, (dict, list))}
    now = {p: comparable(v) for p, v in iter_leaves(new_data, under) if not isinstance(v, (dict, list))}
    kept = {h for h, _ in old.values()}
    fresh: dict[bytes, list[Path]] = {}
    for q, (h, _) in new.items():
        if h not in kept and q in now:
            fresh.setdefault(now[q], []).append(q)
    resealed = {p: fresh.get(value, []) for p, value in was.items() if p in old and new.get(p, ("",))[0] != old[p][0]}
    return _moves(before, after, name, resealed)


def stanza_prints(text: str, file: str) -> tuple[str, ...]:
    """The fingerprints of the wrapped data keys ``text`` holds."""
    from sealfile.gitflow.sealed import fingerprint, view
    from sealfile.stores import store_for

    try:
        return tuple(fingerprint(stanza.wrapped) for stanza in view(text, store_for(file)).meta.recipients)
    except SealfileError:
        return ()

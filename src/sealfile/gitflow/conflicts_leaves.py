"""The values in dispute in a conflict the merge driver left (:mod:`.conflicts`), followed where a write moves them.

A conflict is named at a key path whose whole value the driver kept from our side: a list (lists merge whole) or
a mapping theirs removed or replaced. Changing any one value under it changed its fingerprint, so removing an
unrelated list item passed as a resolution while the value in dispute, moved up one place, still stood. The
record therefore also keeps each value in dispute (ours' as written where theirs differs), as a keyless hash of
its key path and sealed text; the conflict stays open while one of them is still written where it was.
``sealfile unset`` of a list item re-seals every later item one place up (a token is bound to its path): it
carries each value in dispute it moved over to its new place. Nothing decrypted is recorded.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence

from sealfile.errors import SealfileError
from sealfile.gitflow.merge_plan import framed
from sealfile.model.paths import ListIndex, Path, encode_path
from sealfile.model.scalars import comparable


def _prints(text: str, file: str) -> dict[Path, str]:
    """Each value's key path -> a hash of that path and the value as written (sealed text, or plain)."""
    from sealfile.gitflow.sealed import view
    from sealfile.stores import store_for

    leaves = view(text, store_for(file)).leaves
    return {p: hashlib.sha256(framed(encode_path(p)) + framed(comparable(v))).hexdigest()[:32]
            for p, v in leaves.items()}


def disputed(written: str, theirs: str, file: str, paths: Sequence[Path | None]) -> tuple[tuple[str, ...], ...]:
    """Per conflict (``None``: the rule, nothing), the hashes of the values written under it that theirs does not
    hold as written at the same key path; empty if either text is no sealed file."""
    try:
        ours, other = _prints(written, file), set(_prints(theirs, file).values())
    except SealfileError:
        return ()
    return tuple(() if top is None else tuple(sorted(h for p, h in ours.items() if p[:len(top)] == top
                                                     and h not in other)) for top in paths)


def still_disputed(text: str, file: str, hashes: Iterable[Iterable[str]]) -> bool:
    """Whether ``text`` still holds one of the values in dispute, where and as the record last saw it."""
    wanted = {h for group in hashes for h in group}
    if not wanted:
        return False
    try:
        return bool(wanted & set(_prints(text, file).values()))
    except SealfileError:
        return False


def _moved_up(before: dict[Path, str], removed: Path) -> dict[Path, Path]:
    """Where removing list item ``removed`` moves each later item's values: one place up."""
    depth, parent, index = len(removed) - 1, removed[:-1], removed[-1]
    if not isinstance(index, ListIndex):
        return {}
    return {p: (*p[:depth], ListIndex(int(p[depth]) - 1), *p[depth + 1:]) for p in before
            if len(p) > depth and p[:depth] == parent and int(p[depth]) > int(index)}


def moved_by_unset(file: str | os.PathLike[str], before: str, after: str, keypath: str) -> dict[str, str]:
    """After ``sealfile unset FILE KEYPATH`` rewrote ``before`` as ``after``: each value it moved, as the hash of
    where and as it was written before -> the hash of where and as it is now (for :func:`.conflicts.carried`)."""
    from sealfile.gitflow.sealed import view
    from sealfile.model.paths import resolve
    from sealfile.ops.keyless_shape import keyless_shape
    from sealfile.stores import store_for

    name = os.fspath(file)
    try:
        removed = resolve(keyless_shape(list(view(before, store_for(name)).leaves.items())), keypath)
        old, new = _prints(before, name), _prints(after, name)
    except SealfileError:
        return {}
    return {old[p]: new[q] for p, q in _moved_up(old, removed).items() if p in old and q in new}


def stanza_prints(text: str, file: str) -> tuple[str, ...]:
    """The fingerprints of the wrapped data keys ``text`` holds."""
    from sealfile.gitflow.sealed import fingerprint, view
    from sealfile.stores import store_for

    try:
        return tuple(fingerprint(stanza.wrapped) for stanza in view(text, store_for(file)).meta.recipients)
    except SealfileError:
        return ()

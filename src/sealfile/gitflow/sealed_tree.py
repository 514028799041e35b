"""Every sealed file of a revision, as a file a plaintext data file of a change may be a decrypted copy of.

A copy is rarely put beside its sealed file: ``sealfile decrypt config/prod.enc.yaml -o deploy/values.yaml``
puts it where the deployment reads it. So a change's data files are compared with every sealed file of the
head, not only those of the change and of the copy's own directory; keyless, since key paths are readable.

Bounded: each blob's key paths are read once per process (:data:`_BY_BLOB`: the head, and each commit of the
change, share almost every sealed file), a file with fewer than two tokens is not parsed (no copy is told
by it), and past :data:`TREE_BYTES` of sealed files read, the rest are named as not compared, the files
nearest the change's data files first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from pathlib import Path, PurePosixPath
from typing import Any

from sealfile.gitflow.copy_index import SealedCopies
from sealfile.gitflow.gitcli import SUBMODULE_MODE, git
from sealfile.gitflow.staged import read_blobs
from sealfile.model.paths import Path as KeyPath
from sealfile.stores import store_for

TREE_BYTES = 64 * 1024 * 1024
"""Sealed files read in one review to compare copies with: some 8,000 files of 50 values (300 such files cost 0.3 s
of CPU, so about 9 s at the bound, by that measure)."""

_CACHED = 20_000
"""Blobs whose key paths are kept between calls (of a review's head and each of its commits)."""

_BY_BLOB: dict[tuple[str, str], dict[KeyPath, Any]] = {}
"""(blob id, syntax) -> the sealed file's leaves (tokens as written), empty for no sealed file."""


def add_sealed_tree(rev: str, root: str | os.PathLike[str], covered: Callable[[str], bool],
                    leaves: dict[str, dict[KeyPath, Any]], copies: SealedCopies, near: Collection[str],
                    sealed_leaves: Callable[[str, str], dict[KeyPath, Any]]) -> list[str]:
    """Add to ``copies`` (and ``leaves``, path -> leaves) each file of ``rev`` that ``covered`` names, other than
    those ``leaves`` holds: first those in the directories ``near``, then the rest by name; ``sealed_leaves``: a
    sealed file's leaves (:func:`.leaks.sealed_leaves`). Attention lines for what the bound left uncompared."""
    listed = _listing(rev, root)
    if len(_BY_BLOB) > _CACHED:  # before choosing what to read: every file chosen is read or found here
        _BY_BLOB.clear()
    names = sorted((p for p in listed if p not in leaves and covered(p)),
                   key=lambda p: (PurePosixPath(p).parent.as_posix() not in near, p))
    budget, left, wanted, ids = TREE_BYTES, 0, [], {}
    for name in names:
        blob, size = listed[name]
        if (blob, store_for(name).name) not in _BY_BLOB and blob not in ids:
            if size > budget:
                left += 1
                continue
            budget -= size
            ids[blob] = name
        wanted.append(name)
    texts = dict(zip(ids, read_blobs(list(ids), Path(os.fspath(root))), strict=True))  # one git process for all
    for name in wanted:
        blob = listed[name][0]
        key = (blob, store_for(name).name)
        if key not in _BY_BLOB:
            data = texts.get(blob)
            text = data.decode("utf-8", "replace") if data is not None else None
            _BY_BLOB[key] = sealed_leaves(name, text) if text is not None and text.count("ENC[") >= 2 else {}
        leaves[name] = _BY_BLOB[key]
        copies.add(name, leaves[name])
    if not left:
        return []
    return [f"{left} sealed file(s) not compared with the change's data files for a decrypted copy: past "
            f"{TREE_BYTES // (1024 * 1024)} MiB of sealed files read (those nearest the data files were)"]


def _listing(rev: str, root: str | os.PathLike[str]) -> dict[str, tuple[str, int]]:
    """Path -> (blob id, size) of each file of ``rev`` (no submodule, no symbolic link: no sealed text there)."""
    found = {}
    for entry in git(["ls-tree", "-r", "-l", "-z", "--full-tree", rev], root).split("\0"):
        info, _, path = entry.partition("\t")
        fields = info.split()
        if len(fields) == 4 and fields[0] not in (SUBMODULE_MODE, "120000") and fields[1] == "blob" \
                and fields[3].isdigit():
            found[path] = (fields[2], int(fields[3]))
    return found

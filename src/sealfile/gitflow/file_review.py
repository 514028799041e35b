"""One file's part of a ``review``: its diff, its findings, who sealed it, and what its history says of the data
key and the values it brings back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sealfile.gitflow.gitcli import Change
from sealfile.gitflow.returned_keys import replayed_tokens, sealed_at
from sealfile.gitflow.sealed import keypath
from sealfile.gitflow.semantic_diff import FileDiff
from sealfile.gitflow.tampering import set_tokens


@dataclass
class FileReview:
    path: str
    diff: FileDiff
    violations: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    sealed_by: str = ""
    data_key_replaced: bool = False
    key_returned_from: str = ""
    """The commit that last replaced the data key this version brings back (:mod:`~sealfile.gitflow.returned_keys`)."""
    key_copied_from: str = ""
    """Another file whose history held that data key: this version is a copy of it (values, signature and all)."""



def flag_replayed(files: list[FileReview], sealed: list[tuple[Change, str | None, str | None]], base: str,
                  root: Path, is_sealed: Callable[[str], bool]) -> None:
    """Flag each token the change set that history already held (:func:`~sealfile.gitflow.returned_keys.
    replayed_tokens`), where the token's time did not already tell (a file under its old data key: a new one's
    every token is new, or its return is named). Another file's history counts too (``is_sealed`` names the
    files at ``base``): a file sharing this one's data key (a copy of it, since changed) holds tokens that
    open here at the same key paths, each signed by whoever signed that file."""
    entries = {f.path: f for f in files if not f.data_key_replaced and not f.violations}
    set_now = {change.path: set_tokens(change.path, old, new, old_file=change.old_path)
               for change, old, new in sealed if change.path in entries and new is not None}
    paths = [p for change, _, _ in sealed if change.path in set_now for p in (change.old_path, change.path) if p]
    if set_now:
        paths += sealed_at(base, root, is_sealed, set(paths))
    for (file, path), held in replayed_tokens(set_now, base, root, dict.fromkeys(paths)).items():
        entry, where = entries[file], keypath(path)
        if held.source not in (file, entry.diff.renamed_from):
            entry.attention.append(f"{where}: a ciphertext copied from {held.source} (held there as of commit "
                                   f"{held.commit[:12]}): that file's value, which opens here under the same data key")
            continue
        if any(line.startswith(f"{where}: set back to an older ciphertext") for line in entry.attention):
            continue
        entry.attention.append(f"{where}: set back to a ciphertext this file held before (commit "
                               f"{held.commit[:12]}): a value replayed from history?")

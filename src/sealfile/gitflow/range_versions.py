"""The versions a change's own commits hold that neither end of the change does.

Why: ``review BASE HEAD`` compares two trees, but whoever fetches the branch gets every commit of it. A commit
that adds a recipient and a later one that removes it (the data key stays: they hold it), a sealed file
committed decrypted and sealed again, a decrypted copy added and removed: each leaves the two trees alike, and
the leak in the history the change pushes. So each version a commit of the range writes that is neither the
base's nor the head's at that path (a transient version) is reviewed as that commit's change, and what it finds
is named with the commit. A version either end holds is the one the review of the two trees already judged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sealfile.gitflow.gitcli import git

MAX_COMMITS = 1000
"""Commits with transient versions reviewed at most (the newest): each is one more review of its files."""

_ABSENT = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
"""What a root commit of the range is compared with."""


@dataclass(frozen=True)
class Transient:
    commit: str
    parent: str
    """The commit's first parent ("" for a root commit): its change is read against it, as ``git log`` shows it."""
    paths: list[str]


def transient_versions(base: str, head: str, root: str | os.PathLike[str]) -> tuple[list[Transient], int]:
    """The commits of ``base..head`` (merges by their own change, from their first parent), newest first, each with
    the paths it wrote a version of that neither ``base`` nor ``head`` has; and how many older such commits are
    past :data:`MAX_COMMITS`. A version several commits wrote is named once, by the newest."""
    ends = [_tree(rev, root) for rev in (base, head)]
    out = git(["-c", "core.quotePath=false", "log", "-z", "--raw", "--no-renames", "--no-abbrev", "--no-textconv",
               "--no-ext-diff", "--diff-merges=first-parent", "--format=%x01%H %P", f"{base}..{head}", "--"], root)
    found: list[Transient] = []
    seen: set[tuple[str, str]] = set()
    for chunk in out.split("\x01")[1:]:
        header, _, raw = chunk.partition("\0")
        commit, *parents = header.split()
        fields = raw.lstrip("\n").split("\0")
        paths = []
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            blob = meta.split()[3] if meta.startswith(":") and len(meta.split()) > 3 else _ABSENT
            if blob == _ABSENT or (path, blob) in seen or any(tree.get(path) == blob for tree in ends):
                continue
            seen.add((path, blob))
            paths.append(path)
        if paths:
            found.append(Transient(commit, parents[0] if parents else "", paths))
    return found[:MAX_COMMITS], max(len(found) - MAX_COMMITS, 0)


def unread_violations(unread: int, base: str, head: str) -> list[str]:
    """Past the commits one review reads, the review fails: a leak may be in one left unread."""
    return [f"{base}..{head}: not reviewed: {unread} more of its commits write versions of files that neither "
            f"end of the change holds than the {MAX_COMMITS} one review reads (review the change in parts)"
            ] if unread else []


def in_commit(commit: Transient, finding: str) -> str:
    """``finding`` of a transient version, named by the commit that wrote it. The file is the longest of the
    commit's paths the finding starts with: a name may hold ": " (split at the first, ``a: b.enc.yaml`` read
    as ``a`` with ``in commit ...`` put inside the name)."""
    where = f"in commit {commit.commit[:12]}, changed since but in the history this change pushes"
    path = max((p for p in commit.paths if finding.startswith(f"{p}: ")), key=len, default=None)
    if path is None:
        path, sep, rest = finding.partition(": ")
        return f"{path}: {where}: {rest}" if sep else f"{where}: {finding}"
    return f"{path}: {where}: {finding[len(path) + 2:]}"


def _tree(rev: str, root: str | os.PathLike[str]) -> dict[str, str]:
    """``path -> object id`` of every file at ``rev``."""
    listing = git(["-c", "core.quotePath=false", "ls-tree", "-r", "-z", "--full-tree", rev], root)
    found = {}
    for entry in listing.split("\0"):
        meta, tab, path = entry.partition("\t")
        if tab:
            found[path] = meta.split()[2]
    return found

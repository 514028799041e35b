"""Private keys a change's commits added and a later commit of the same change removed: the change from
``base`` to ``head`` no longer shows them, but whoever fetches the branch has them in its history (``git add
.`` with ``keys.txt``, then "remove the key" one commit later). Each commit of the range whose own diff adds
a key's marker (git's search of each commit's lines picks them, so a range without one reads nothing more)
is read at the files that diff names, and each key it added that ``head`` does not hold is named with the
commit that added it."""

from __future__ import annotations

import os
from collections.abc import Callable

from sealfile.gitflow.blobs import show_many
from sealfile.gitflow.gitcli import git
from sealfile.kms.found_keys import MARKERS, found_keys

KEY_PICKAXE = "|".join(MARKERS).replace("-----", "-{5}")
"""git's extended regular expression for a line holding a key's marker (case ignored where it is used)."""
MAX_COMMITS = 1000
"""Commits whose diffs are read at most (the newest): each costs a few git processes."""

Findings = Callable[[str, str | None], tuple[list[str], list[str]]]
"""``(text, earlier text)`` -> ``(errors, notes)`` for the keys ``text`` adds (committed_keys.key_findings)."""


def added_then_removed(base: str, head: str, root: str | os.PathLike[str]) -> list[tuple[str, str, list[str]]]:
    """``(commit, first parent or "", paths)`` for each commit of ``base..head`` that added a key's marker line to
    the files ``paths``, newest first."""
    commits = git(["log", "--format=%H %P", "--no-renames", "--no-textconv", "--no-ext-diff", "--regexp-ignore-case",
                   "-G", KEY_PICKAXE, f"{base}..{head}", "--"], root).splitlines()
    found: list[tuple[str, str, list[str]]] = []
    for line in commits[:MAX_COMMITS]:
        commit, *parents = line.split()
        paths = git(["-c", "core.quotePath=false", "diff-tree", "-r", "--root", "--no-commit-id", "--name-only", "-z",
                     "--no-renames", "--no-textconv", "--no-ext-diff", "--text", "--diff-filter=AMRCT",
                     "--regexp-ignore-case", "-G", KEY_PICKAXE, commit, "--"], root).split("\0")
        added = [path for path in paths if path]  # git's search also names a commit that only removes such lines
        if added:
            found.append((commit, parents[0] if parents else "", added))
    return found


def history_findings(past: list[tuple[str, str, list[str]]], head: str, findings: Findings, base: str,
                     root: str | os.PathLike[str]) -> tuple[list[str], list[str]]:
    """``(violations, attention)`` for the keys the commits of ``past`` added that neither ``head`` nor ``base``
    holds in the same file, once each, named by the newest commit that added it. Each commit's files are read
    through one git process (and its parent's through another)."""
    paths = sorted({path for _, _, named in past for path in named})
    kept = {(key.kind, key.opens, path) for rev in (head, base) for path, text in show_many(rev, paths, root).items()
            if text for key in found_keys(text)}
    violations: list[str] = []
    attention: list[str] = []
    for commit, parent, named in past:
        texts = show_many(commit, named, root)
        earlier = show_many(parent, named, root) if parent else {}
        for path in named:
            text = texts.get(path)
            fresh = [key for key in found_keys(text) if (key.kind, key.opens, path) not in kept] if text else []
            if not fresh or text is None:
                continue
            kept.update((key.kind, key.opens, path) for key in fresh)
            errors, notes = findings(text, earlier.get(path))
            where = f"{path}: in commit {commit[:12]}, removed since but in the history this change pushes"
            violations += [f"{where}: {error}" for error in errors if any(key.describe() in error for key in fresh)]
            attention += [f"{where}: {note}" for note in notes if any(key.describe() in note for key in fresh)]
    return violations, attention

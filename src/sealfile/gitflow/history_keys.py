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


def added_then_removed(base: str, head: str, root: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """``(commit, path)`` for each file a commit of ``base..head`` added a key's marker line to, newest first."""
    commits = git(["log", "--format=%H", "--no-renames", "--no-textconv", "--no-ext-diff", "--regexp-ignore-case",
                   "-G", KEY_PICKAXE, f"{base}..{head}", "--"], root).split()
    found: list[tuple[str, str]] = []
    for commit in commits[:MAX_COMMITS]:
        paths = git(["-c", "core.quotePath=false", "diff-tree", "-r", "--root", "--no-commit-id", "--name-only", "-z",
                     "--no-renames", "--no-textconv", "--no-ext-diff", "--text", "--diff-filter=AMRCT",
                     "--regexp-ignore-case", "-G", KEY_PICKAXE, commit, "--"], root).split("\0")
        found += [(commit, path) for path in paths if path]
    return found


def history_findings(past: list[tuple[str, str]], head_texts: dict[str, str | None], findings: Findings,
                     base: str, root: str | os.PathLike[str]) -> tuple[list[str], list[str]]:
    """``(violations, attention)`` for the keys the commits of ``past`` added that neither ``head`` (its text
    of each path in ``head_texts``) nor ``base`` holds, once each, named by the newest commit that added it."""
    at_base = show_many(base, sorted({path for _, path in past}), root)
    kept = {(key.kind, key.opens, path) for path, text in head_texts.items() if text
            for key in found_keys(text)} | {(key.kind, key.opens, path) for path, text in at_base.items() if text
                                            for key in found_keys(text)}
    violations: list[str] = []
    attention: list[str] = []
    named: set[tuple[str, str | None, str]] = set()
    for commit, path in past:
        text = show_many(commit, [path], root)[path]
        before = show_many(f"{commit}^", [path], root)[path] if _has_parent(commit, root) else None
        if text is None:
            continue
        fresh = [key for key in found_keys(text) if (key.kind, key.opens, path) not in kept | named]
        if not fresh:
            continue
        named |= {(key.kind, key.opens, path) for key in fresh}
        errors, notes = findings(text, before)
        where = f"{path}: in commit {commit[:12]}, removed since but in the history this change pushes"
        violations += [f"{where}: {error}" for error in errors if any(key.describe() in error for key in fresh)]
        attention += [f"{where}: {note}" for note in notes if any(key.describe() in note for key in fresh)]
    return violations, attention


def _has_parent(commit: str, root: str | os.PathLike[str]) -> bool:
    return bool(git(["rev-list", "--parents", "-n", "1", commit], root).split()[1:])

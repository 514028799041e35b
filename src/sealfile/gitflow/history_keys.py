"""Private keys a change's commits added and a later commit of the same change removed: the change from
``base`` to ``head`` no longer shows them, but whoever fetches the branch has them in its history (``git add
.`` with ``keys.txt``, then "remove the key" one commit later). Each commit of the range whose own diff adds
a key's marker (git's search of each commit's lines picks them, so a range without one reads nothing more)
is read at the files that diff names, and each key it added that ``head`` does not hold is named with the
commit that added it."""

from __future__ import annotations

import os
from collections.abc import Callable

from sealfile.errors import FormatError
from sealfile.gitflow.blobs import blob_holds_marker, read_at, show_many
from sealfile.gitflow.gitcli import git
from sealfile.gitflow.path_lists import git_for_paths
from sealfile.gitflow.review_budget import ReadBudget
from sealfile.kms.found_keys import MARKERS, found_keys

KEY_PICKAXE = "|".join(MARKERS).replace("-----", "-{5}")
"""git's extended regular expression for a line holding a key's marker (case ignored where it is used)."""
MAX_COMMITS = 1000
"""Commits whose diffs are read at most (the newest): each costs a few git processes."""

Past = list[tuple[str, str, list[str]]]
"""``(commit, first parent or "", paths)`` of each commit that added a key's marker to the files ``paths``."""
Findings = Callable[[str, str | None], tuple[list[str], list[str]]]
"""``(text, earlier text)`` -> ``(errors, notes)`` for the keys ``text`` adds (committed_keys.key_findings)."""


def added_then_removed(base: str, head: str, root: str | os.PathLike[str]) -> tuple[Past, int]:
    """``(commit, first parent or "", paths)`` for each commit of ``base..head`` that added a key's marker line to
    the files ``paths``, newest first; and how many older such commits were left unread (past ``MAX_COMMITS``).
    ``--text``: a file git calls binary (a NUL, a ``-diff`` attribute the branch commits) is searched all the
    same; a merge's own change (a file in neither parent) is its diff from its first parent, which a plain
    ``git log`` does not search."""
    commits = git(["log", "--format=%H %P", "--no-renames", "--no-textconv", "--no-ext-diff", "--text", "--no-patch",
                   "--diff-merges=first-parent", "--regexp-ignore-case", "-G", KEY_PICKAXE, f"{base}..{head}", "--"],
                  root).splitlines()
    armored = _armored_changes(base, head, root, {line.split()[0] for line in commits})
    commits = _newest_first(commits + armored, base, head, root) if armored else commits
    found: Past = []
    for line in commits[:MAX_COMMITS]:
        commit, *parents = line.split()
        parent = parents[0] if parents else ""
        search = ["--regexp-ignore-case", "-G", KEY_PICKAXE] if line not in armored else []
        paths = git(["-c", "core.quotePath=false", "diff-tree", "-r", "--root", "--no-commit-id", "--name-only", "-z",
                     "--no-renames", "--no-textconv", "--no-ext-diff", "--text", "--diff-filter=AMRCT", *search,
                     *([parent] if parent else []), commit, "--"], root).split("\0")
        added = [path for path in paths if path]  # git's search also names a commit that only removes such lines
        if added:
            found.append((commit, parent, added))
    return found, max(len(commits) - MAX_COMMITS, 0)


def _armored_changes(base: str, head: str, root: str | os.PathLike[str], seen: set[str]) -> list[str]:
    """The commits (``"commit parents"``) of ``base..head`` not in ``seen`` that changed a file holding a key's
    marker at ``base`` or ``head``: a key's body replaced between armor lines the commit kept adds no marker line
    for git's search, and a later commit that put the old body back leaves the change showing nothing. Such
    files are found by git's search of those two trees, and only their commits are read (within MAX_COMMITS)."""
    held = sorted({name.removeprefix(f"{rev}:") for rev in (base, head) for name in git(
        ["grep", "-z", "-l", "-a", "-i", "-F", *(f"-e{m}" for m in MARKERS), rev, "--"], root, ok=(0, 1)).split("\0")
        if name})
    out = git_for_paths(["log", "--format=%H %P", "--no-renames", "--no-patch", "--diff-merges=first-parent",
                         f"{base}..{head}"], held, root)
    return list(dict.fromkeys(line for line in out.splitlines()
                              if line.split()[0] not in seen))


def _newest_first(lines: list[str], base: str, head: str, root: str | os.PathLike[str]) -> list[str]:
    order = {commit: at for at, commit in enumerate(git(["rev-list", f"{base}..{head}"], root).split())}
    return sorted(dict.fromkeys(lines), key=lambda line: order.get(line.split()[0], len(order)))


def unread_violations(unread: int, base: str, head: str) -> list[str]:
    """Past the commits one review reads, the review fails: the key may be in one left unread."""
    return [f"{base}..{head}: not reviewed: {unread} more of its commits add a private key's marker than the "
            f"{MAX_COMMITS} one review reads (review the change in parts)"] if unread else []


def history_findings(past: Past, head: str, findings: Findings, base: str, root: str | os.PathLike[str],
                     too_large: str) -> tuple[list[str], list[str]]:
    """``(violations, attention)`` for the keys the commits of ``past`` added that neither ``head`` nor ``base``
    holds in the same file, once each, named by the newest commit that added it. Each commit's files are read
    through one git process (and its parent's through another), within one review's budget of characters; a
    file too large to read that holds a marker is ``too_large``."""
    paths = sorted({path for _, _, named in past for path in named})
    kept = {(*key.identity, path) for rev in (head, base) for path, text in show_many(rev, paths, root).items()
            if text for key in found_keys(text)}
    violations: list[str] = []
    attention: list[str] = []
    budget = ReadBudget()
    for commit, parent, named in past:
        texts, large = read_at(commit, named, root)
        earlier = show_many(parent, named, root) if parent else {}
        where = f"in commit {commit[:12]}, removed since but in the history this change pushes"
        violations += [f"{path}: {where}: {too_large}" for path in large if blob_holds_marker(commit, path, root)]
        try:
            budget.charge(*texts.values(), *earlier.values())
        except FormatError as error:
            return [*violations, f"{base}..{head}: {error}"], attention
        for path, text in texts.items():
            fresh = [key for key in found_keys(text) if (*key.identity, path) not in kept] if text else []
            if not fresh or text is None:
                continue
            kept.update((*key.identity, path) for key in fresh)
            errors, notes = findings(text, earlier.get(path))
            named_fresh = [key.describe() for key in fresh]
            violations += [f"{path}: {where}: {error}" for error in errors if any(k in error for k in named_fresh)]
            attention += [f"{path}: {where}: {note}" for note in notes if any(k in note for k in named_fresh)]
    return violations, attention


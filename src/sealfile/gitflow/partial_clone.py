"""The versions a review searches, fetched at once in a partial clone (``git clone --filter=blob:none``).

A partial clone has the history's commits and trees but not its older files: git fetches a missing one from
the promisor remote when a command reads it. Its searches of the history (``git log -S``/``-G``) read each
commit's files as they walk, so each commit cost one ``git fetch`` of its own (31 for a 34-commit history):
against a real server a round trip per commit. :func:`fetch_searched` lists what the searches will read, the
versions git has not got, and asks the remote for them in one ``git fetch``, as git itself asks for what one
diff reads; :func:`fetch_changed` does the same for the two versions of each file ``diff --git`` reads (one
fetch per file before). A clone that is not partial runs one ``git config`` and nothing more.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from sealfile.errors import SealfileError
from sealfile.gitflow.gitcli import SUBMODULE_MODE, git

_NO_BLOB = frozenset({"0" * 40, "0" * 64})
_RAW = ["log", "--raw", "--no-abbrev", "-z", "--format=", "--no-renames", "--diff-merges=first-parent"]


def promisor_remotes(root: str | os.PathLike[str]) -> list[str]:
    """The remotes missing objects are fetched from (none: not a partial clone)."""
    out = git(["config", "-z", "--get-regexp", r"^remote\..*\.promisor$"], root, ok=(0, 1))
    names = [entry.split("\n", 1) for entry in out.split("\0") if entry]
    return [key[len("remote."):-len(".promisor")] for key, value in names
            if value.lower() in ("true", "yes", "on", "1")]


def fetch_searched(base: str, head: str, sealed: Callable[[str], bool], root: str | os.PathLike[str]) -> int:
    """Fetch in one go the versions a review of ``base..head`` searches that a partial clone lacks: both sides of
    every file each commit of the range changes, and every version of the files ``sealed`` names in the history
    of ``base`` and ``head``. Returns how many were asked for; a fetch that fails leaves git to fetch them one
    by one as before (the searches then fail as they would have)."""
    remotes = promisor_remotes(root)
    if not remotes:
        return 0
    wanted = _blobs(git([*_RAW, f"{base}..{head}", "--"], root), lambda path: True)
    wanted.update(_blobs(git([*_RAW, base, head, "--"], root), sealed))
    return _fetch(wanted, [base, head], remotes, root)


def fetch_changed(base: str, head: str | None, paths: list[str], sealed: Callable[[str], bool],
                  root: str | os.PathLike[str]) -> int:
    """Fetch in one go both versions of every file ``sealed`` names that differs between ``base`` and ``head``
    (``None``: the work tree, whose side is no blob), as ``diff --git`` reads them one file at a time (git would
    fetch each with a ``git fetch`` of its own). Returns how many were asked for."""
    remotes = promisor_remotes(root)
    if not remotes:
        return 0
    revs = [base] if head is None else [base, head]
    raw = git(["diff", "--raw", "--no-abbrev", "-z", "--no-renames", *revs, "--", *paths], root)
    return _fetch(_blobs(raw, sealed), revs, remotes, root)


def _fetch(wanted: dict[str, set[str]], revs: list[str], remotes: list[str], root: str | os.PathLike[str]) -> int:
    """Ask the first remote that answers for those of ``wanted`` the clone lacks, in one ``git fetch``; one that
    fails leaves git to fetch them one by one (and say so if it cannot)."""
    missing = _missing(wanted, revs, root)
    if missing:
        ids = "".join(f"{blob}\n" for blob in sorted(missing))
        for remote in remotes:  # as git fetches a missing object: no negotiation, no tags, no ref written
            try:
                git(["-c", "fetch.negotiationAlgorithm=noop", "fetch", remote, "--no-tags", "--no-write-fetch-head",
                     "--recurse-submodules=no", "--filter=blob:none", "--stdin"], root, stdin=ids)
                break
            except SealfileError:
                continue
    return len(missing)


def _blobs(raw: str, kept: Callable[[str], bool]) -> dict[str, set[str]]:
    """Path -> the ids of its two sides in each entry of ``git log --raw -z`` (``:MODE MODE OLD NEW STATUS``, then
    the path), for the paths ``kept`` names; submodules' commits are no blobs."""
    found: dict[str, set[str]] = {}
    fields = iter(raw.split("\0"))
    for meta in fields:  # a field that is no entry (what separates commits) is passed over
        parts = meta.lstrip("\n").split()
        if len(parts) != 5 or not parts[0].startswith(":"):
            continue
        path = next(fields, "")
        if "\n" in path or not kept(path):  # a pathspec is asked for by line
            continue
        ids = {blob for mode, blob in ((parts[0][1:], parts[2]), (parts[1], parts[3]))
               if blob not in _NO_BLOB and mode != SUBMODULE_MODE}
        found.setdefault(path, set()).update(ids)
    return found


def _missing(wanted: dict[str, set[str]], revs: Iterable[str], root: str | os.PathLike[str]) -> set[str]:
    """Those of ``wanted`` git has not got: listed without fetching them (``--missing=print``), in the history
    of ``revs`` at the wanted paths only."""
    if not wanted:
        return set()
    request = "".join(f"{rev}\n" for rev in revs) + "--\n" + "".join(f"{path}\n" for path in wanted)
    out = git(["--literal-pathspecs", "rev-list", "--objects", "--missing=print", "--no-object-names", "--stdin"],
              root, stdin=request)
    absent = {line[1:] for line in out.splitlines() if line.startswith("?")}
    return {blob for ids in wanted.values() for blob in ids} & absent

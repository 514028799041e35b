"""A data key coming back: a change that seals a file again under a key its history already held.

``rotate`` keeps each value's time, so the tokens of a rotation reverted (``git revert``, or a merge or
checkout that takes an older side's file) look as new as the rotation's, and ``review`` told the
change apart from a rotation only by its new stanzas. But the data key that comes back is the one
whoever was shut out by the rotation may still hold: every value set afterwards is theirs to read.
A wrapped key is random per wrap (age, SSH, PGP and every KMS wrap fresh each time), so a line of a
new stanza found in the file's own history is that older key. One ``git log`` for the whole change
finds them all; it reads history git already has and runs no key provider.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection

from sealfile.errors import FormatError, SealfileError
from sealfile.gitflow.gitcli import git
from sealfile.gitflow.sealed import view
from sealfile.stores import store_for

_WRAP_LINE = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
"""A line of a wrapped key (base64, armoured or not) long enough to belong to one wrap only; the
first 80 characters of it are searched for (a file's text, not a git argument, decides its length)."""
_MARKERS_PER_FILE, _MARKERS = 2, 400
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def _markers(text: str, path: str) -> list[str]:
    """Lines of the wrapped keys of ``text`` long enough to belong to one wrap only."""
    try:
        meta = view(text, store_for(path)).meta
    except FormatError:
        return []
    lines = (line.strip() for group in meta.groups for stanza in group for line in stanza.wrapped.splitlines())
    return [line[:80] for line in lines if _WRAP_LINE.fullmatch(line)][:_MARKERS_PER_FILE]


def returned_keys(new_texts: dict[str, str], base: str, cwd: str | os.PathLike[str]) -> dict[str, str]:
    """Path -> the last commit (up to ``base``) that added or removed one of its new version's wrapped
    keys, for each file of ``new_texts`` (path -> new text, data key replaced) whose history held one."""
    markers = {path: found for path, text in new_texts.items() if (found := _markers(text, path))}
    chosen = [marker for found in markers.values() for marker in found][:_MARKERS]
    if not chosen:
        return {}
    pattern = "|".join(marker.replace("+", "\\+") for marker in chosen)  # the one ERE character base64 has
    try:  # -S counts the pattern in each version: a commit that added or removed a wrap is listed
        out = git(["--literal-pathspecs", "log", "-z", "--pickaxe-regex", f"-S{pattern}", "--format=%H",
                   "--name-only", "--no-renames", base, "--", *markers], cwd)
    except SealfileError:
        return {}  # a shallow clone or an unknown base: nothing to compare with, as before
    return _first_commit_per_name(out, markers)


def _first_commit_per_name(out: str, paths: dict[str, list[str]]) -> dict[str, str]:
    return {name: commits[0] for name, commits in commits_per_name(out, paths).items()}


def commits_per_name(out: str, paths: Collection[str]) -> dict[str, list[str]]:
    """``git log -z --format=%H --name-only``: each commit is ``HASH NUL LF name NUL name NUL ...``; the
    commits that name each of ``paths``, newest first."""
    found: dict[str, list[str]] = {}
    commit = ""
    for field in out.split("\0"):
        if _COMMIT.fullmatch(field):
            commit = field
            continue
        name = field[1:] if field.startswith("\n") else field
        if commit and name in paths:
            found.setdefault(name, []).append(commit)
    return found

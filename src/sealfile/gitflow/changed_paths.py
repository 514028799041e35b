"""What a change does to paths themselves. Paths that one file system keeps apart and another merges
(:func:`case_collisions`): on a
case-insensitive file system (macOS, Windows), ``PROD/.sealfile.yaml`` is written into ``prod/``, and
``.SEALFILE.YAML`` is the ``.sealfile.yaml`` that sealfile opens there. ``review`` reads blobs by their
exact names, so such a change would be reviewed as something else than what a checkout there reads:
it is a violation. Names are compared case-folded and in Unicode NFC (macOS also merges
normalization forms).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from sealfile.gitflow.blobs import Blobs
from sealfile.gitflow.gitcli import LINK_SHOWN, SUBMODULE_MODE, Change, git
from sealfile.ops.config_files import CONFIG_NAME


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def case_collisions(rev: str, root: Path, changed: Iterable[str]) -> list[str]:
    """A violation per changed path (of those at ``rev``) that a case-insensitive file system would
    merge with another path of ``rev`` (the file, or a directory on its way), or that it would read
    as a ``.sealfile.yaml`` spelt otherwise."""
    spellings: dict[str, set[str]] = {}
    for name in git(["ls-tree", "-r", "-z", "--name-only", rev], root).split("\0"):
        for prefix in (*reversed(PurePosixPath(name).parents[:-1]), PurePosixPath(name)) if name else ():
            spellings.setdefault(_folded(prefix.as_posix()), set()).add(prefix.as_posix())
    found = []
    for path in dict.fromkeys(changed):
        for prefix in (*reversed(PurePosixPath(path).parents[:-1]), PurePosixPath(path)):
            others = sorted(spellings.get(_folded(prefix.as_posix()), set()) - {prefix.as_posix()})
            if others:
                found.append(f"{path}: on a case-insensitive file system {prefix.as_posix()} is the same as "
                             f"{others[0]}: a checkout there reads something else than this review")
                break
        else:
            name = PurePosixPath(path).name
            if name != CONFIG_NAME and _folded(name) == CONFIG_NAME:
                found.append(f"{path}: a case-insensitive file system reads it as {CONFIG_NAME}, which this "
                             "review does not")
    return found


def not_directories(changes: list[Change], new_blobs: Blobs) -> dict[str, str]:
    """Each path the change made a submodule or a symbolic link -> what it is now, for the sealed files that were
    below it: whatever readers find at their paths now (another repository's commit, another file the link
    reaches, signed by anyone trusted anywhere) is not what this review shows."""
    found = {}
    for change in changes:
        if change.status != "D" and change.mode == SUBMODULE_MODE:
            found[change.path] = (f"the submodule {change.path} (another repository's commit): nothing in it is "
                                  "reviewed or checked here")
        elif change.status != "D" and change.link:
            target = (new_blobs.read(change.path) or "")[:LINK_SHOWN]
            found[change.path] = (f"the symbolic link {change.path} (to {target}): readers read the files it leads "
                                  "to, which this review does not show")
    return found

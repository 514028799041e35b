"""How to merge again a sealed file git merged as text, in the state git is in: ``git checkout -m FILE`` merges a
file again only from git's record of both sides (the index's unmerged stages, or the resolve-undo entries ``git
add`` leaves, which outlive the commit until the index is rebuilt). Once that record is gone (the markers were
committed, and a checkout, reset or pull rebuilt the index since), it checks out the index's version and merges
nothing: the fix is then to take back the version from before and make the lost change again."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from sealfile.errors import ConflictMarkersError, SealfileError
from sealfile.gitflow.gitcli import git, toplevel
from sealfile.gitflow.staged import path_in_repo

_GOING_ON = ("git rebase --continue", "git am --continue", "git cherry-pick --continue", "git revert --continue", "")
"""What ends each replay :func:`.guard_hooks.in_progress` tells (a merge: the commit, as ever)."""


def markers_recovery(file: str) -> str:
    """The commands that fix ``file`` (git's conflict markers in it), for the state git is in; the default
    (:meth:`ConflictMarkersError.recovery`) where git cannot say."""
    try:
        return _recovery(file)
    except (SealfileError, OSError):
        return ConflictMarkersError.recovery(file)


def _recovery(file: str) -> str:
    from sealfile.gitflow.guard_hooks import in_progress

    where = os.path.dirname(os.path.abspath(file))
    top = toplevel(where)
    path, name = path_in_repo(file, top), shlex.quote(file)
    listed = ["--literal-pathspecs", "ls-files", "--", path]
    unmerged, undo = (git([*listed[:2], flag, *listed[2:]], top).strip() for flag in ("-u", "--resolve-undo"))
    again = f"to merge it again with the driver, run 'sealfile git install', then: git checkout -m {name}"
    going_on = next((step for step, there in zip(_GOING_ON, in_progress(top), strict=True) if there), None)
    if going_on is not None and (unmerged or undo):  # a merge or a replay stopped on it
        return f"{again}, then git add {name} and {going_on}" if going_on else again
    if unmerged:  # no merge nor replay: 'git stash pop', which keeps the stash when it conflicts
        return f"{again}, then git add {name}, and once it is right: git stash drop"
    committed = _markers_committed(path, top)
    if undo:  # 'git add' kept both sides: checkout -m takes them back, after the commit too
        return f"{again} (git still holds both sides), then git add {name}" + (" and commit the fix" if committed
                                                                               else "")
    if committed:
        commit = git(["--literal-pathspecs", "log", "-1", "--format=%h %p", "--", path], top).split()
        if len(commit) >= 3:  # a merge commit: its first parent is ours before it
            return (f"the markers were committed in {commit[0]}, and git no longer holds the two sides to merge "
                    f"again ('git checkout -m' would merge nothing): take ours back (git checkout {commit[0]}^1 -- "
                    f"{name}) and make theirs' changes with sealfile edit {name} (see them: git diff {commit[0]}^1..."
                    f"{commit[0]}^2 -- {name})")
        if len(commit) == 2:  # a rebase, cherry-pick or stash committed so
            return (f"the markers were committed in {commit[0]}, and git no longer holds the two sides to merge "
                    f"again ('git checkout -m' would merge nothing): take back the version before it (git checkout "
                    f"{commit[0]}^ -- {name}) and make the change git could not merge with sealfile edit {name}")
    return (f"git holds no record of the two sides to merge again ('git checkout -m' would merge nothing): take back "
            f"the committed version (git checkout HEAD -- {name}) and make the change again with sealfile edit {name}")


def _markers_committed(path: str, top: Path) -> bool:
    """Whether HEAD's version of the file holds the markers too."""
    from sealfile.model.conflicts import refuse_conflict_markers

    shown = git(["cat-file", "-p", f"HEAD:{path}"], top, ok=(0, 128))
    try:
        refuse_conflict_markers(shown)
    except ConflictMarkersError:
        return True
    return False

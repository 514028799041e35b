"""Whether git is replaying commits (a rebase, a range of cherry-picks or reverts, ``git am``) while it runs
the merge driver, and where the user's branch stood before it began.

In a replay HEAD is not the user's branch: a rebase checks out the branch rebased onto (its configs in the
work tree and at HEAD alike), and a range of picks moves HEAD past the commits picked so far. Judged by
HEAD, a branch that adds its author to ``signers:`` and forges a sealed file vouches for itself as soon as
the user's own change to that file is replayed onto it (``git pull --rebase``): the driver took its data key
and values and signed them as the user's. The commit the replay started from is the user's own view. A
rebase is judged by the branch it rebases onto as well: rebasing a contributor's branch onto main (checked
out, it is the user's branch) replays its commit adding her signer before her forged file, and the start
commit holds both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sealfile.errors import SealfileError
from sealfile.gitflow.gitcli import git
from sealfile.gitflow.seals import committed_policy
from sealfile.ops.signatures import TrustPolicy

_STATES = ("rebase-merge", "rebase-apply", "sequencer")
"""Git's state directories of a replay: ``rebase-merge`` (a rebase) and ``sequencer`` (a range of picks or
reverts) name the commit they started from (``orig-head``, ``head``); ``rebase-apply`` (``git am``, and
``rebase --apply``, which marks it ``rebasing``) writes its ``orig-head`` only once stopped, and keeps the
start in ``ORIG_HEAD`` meanwhile."""


@dataclass(frozen=True)
class Replay:
    start: str
    """The commit the user's branch was at when the replay began."""
    rebase: bool
    """A rebase, where git's "ours" is the branch rebased onto, not the user's."""
    onto: str = ""
    """In a rebase, the commit it rebases onto."""


def replay_in_progress(top: str | os.PathLike[str]) -> Replay | None:
    """The replay git is in the middle of in the work tree at ``top`` (``None``: a plain merge, a single pick)."""
    try:  # git runs the driver at the top of the work tree
        found = git(["rev-parse", "--path-format=absolute", *(a for name in _STATES for a in ("--git-path", name))],
                    top)
    except SealfileError:
        return None
    paths = found.splitlines()
    if len(paths) != len(_STATES):  # a git directory whose name holds a line break
        raise SealfileError("cannot tell whether git is replaying commits (a line break in the git directory's path)")
    merge, apply, sequencer = paths
    if os.path.isdir(merge):
        replay = Replay(_read(os.path.join(merge, "orig-head")), rebase=True, onto=_read(os.path.join(merge, "onto")))
    elif os.path.isdir(apply):
        start = _read(os.path.join(apply, "orig-head")) or _orig_head(top)
        rebasing = os.path.exists(os.path.join(apply, "rebasing"))
        onto = (_read(os.path.join(apply, "onto")) or _rebase_start(top)) if rebasing else ""
        if rebasing and not onto:
            raise SealfileError("git is rebasing but does not say onto which commit (no HEAD reflog); finish or "
                                "abort it, then merge again")
        replay = Replay(start, rebase=rebasing, onto=onto)
    elif os.path.isdir(sequencer):
        replay = Replay(_read(os.path.join(sequencer, "head")), rebase=False)
    else:
        return None
    if not replay.start:  # judged by HEAD instead, the branch replayed onto could vouch for itself
        raise SealfileError("git is replaying commits but does not say which commit it started from; finish or "
                            "abort it, then merge again")
    return replay


def replay_judges(path: str, top: str | os.PathLike[str], replay: Replay | None) -> tuple[TrustPolicy, ...]:
    """The policies of the configs as committed where the user stands: HEAD, and in a replay the commit it
    started from and, in a rebase, the one it rebases onto (each side of the merge must satisfy all). HEAD
    judges a replay too: git keeps a range of picks' state after ``git reset --hard`` (and a rebase's when
    left), and a later merge would be judged by the signers of that old start alone, one since removed among
    them."""
    judges = [committed_policy(path, top)]
    if replay is not None:
        judges.insert(0, committed_policy(path, top, replay.start, f"{replay.start[:12]}, where the replay started"))
    if replay is not None and replay.onto:
        judges.insert(1, committed_policy(path, top, replay.onto, f"{replay.onto[:12]}, the branch rebased onto"))
    return tuple(judges)


def _read(state: str) -> str:
    try:
        with open(state, encoding="ascii") as handle:
            return handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _rebase_start(top: str | os.PathLike[str]) -> str:
    """The commit the newest rebase checked out first (``rebase --apply`` writes its ``onto`` only once stopped):
    HEAD's reflog entry ``ACTION (start): checkout ...``, ACTION ``rebase`` or what ``GIT_REFLOG_ACTION`` says
    (``git pull --rebase``). Entries are read NUL-separated: the subjects of the commits replayed so far are in
    the newer entries (``rebase: SUBJECT``), and a subject holding a character ``splitlines`` breaks at (U+2028,
    \\x1c, U+0085) forged a start entry naming a commit of its author's choice."""
    try:
        entries = git(["reflog", "show", "-z", "--format=%H %gs", "HEAD", "--"], top, ok=(0, 128))
    except SealfileError:
        return ""
    for entry in entries.split("\0"):
        commit, _, subject = entry.partition(" ")
        if _starts_rebase(subject):
            return commit
    return ""


def _starts_rebase(subject: str) -> bool:
    """Whether a reflog subject is a rebase's start: its first ``": "`` ends ``(start)``; a replayed commit's is
    ``ACTION: SUBJECT``, whatever its subject holds after that."""
    start = subject.find(_START)
    return start >= 0 and subject.find(": ") == start + len(_START) - len(": checkout ")


_START = " (start): checkout "


def _orig_head(top: str | os.PathLike[str]) -> str:
    try:
        return git(["rev-parse", "--verify", "--quiet", "ORIG_HEAD"], top, ok=(0, 1)).strip()
    except SealfileError:
        return ""

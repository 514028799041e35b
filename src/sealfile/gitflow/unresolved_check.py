"""The check's finding for a sealed file staged still holding a conflict the merge driver left."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from sealfile.gitflow.check import Finding


def left_in_conflict(files: Sequence[Path], *, others: bool = False, ended: bool = False) -> dict[str, Finding]:
    """A finding per file staged still holding a conflict the merge driver left (:mod:`.conflicts`): it reads
    and is sealed, so nothing else would stop it, and committing it keeps one side's value and drops the other's.
    ``others``: any other file staged so too (:func:`.conflicts.unresolved_staged`). ``ended``: git is ending a
    rebase (``post-rewrite``, run before it clears its state), after which no side can be taken back."""
    from sealfile.gitflow.conflicts import WHOLE, unresolved_staged
    from sealfile.gitflow.guard_hooks import merge_in_progress

    found = {}
    left_open = unresolved_staged(files, others=others)
    # the sides can be taken back only while git merges or replays: a replay git ended leaves no stage to take
    sides = bool(left_open) and not ended and merge_in_progress()
    for file, left in left_open.items():
        name = shlex.quote(file)
        again = sides and not left.committed  # 'checkout -m' merges again from git's record of both sides
        if left.conflicts == [WHOLE]:
            why = ("the merge driver could not merge it and kept our version (theirs' changes are not in it): "
                   + (f"once the cause is fixed, git checkout -m {name}; or " if again else "")
                   + f"combine the changes by hand (sealfile edit {name})")
        else:  # staged, the file has no stages: 'checkout --ours' alone would take what the index holds
            why = (f"unresolved merge conflict at {', '.join(left.conflicts)} (it holds the value the merge kept "
                   f"there, not the other side's): set the value you mean (sealfile edit {name}, or sealfile set)"
                   + (f", or take one side whole (git checkout -m {name}, then git checkout --ours/--theirs {name})"
                      if again else ""))
        # committed without the hook: the fix is a new commit, and the cause is worth naming once
        then = f"git add {name} && git commit" if left.committed else f"git add {name}"
        committed = (" (committed so: 'git rebase --continue' and 'git commit --no-verify' run no hook)"
                     if left.committed else "")
        found[file] = Finding(file, f"{why}, then {then}; or keep what it holds: sealfile git resolve "
                                    f"{name}{committed}")
    return found

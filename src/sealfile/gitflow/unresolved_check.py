"""The check's finding for a sealed file staged still holding a conflict the merge driver left."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from sealfile.gitflow.check import Finding


def left_in_conflict(files: Sequence[Path], *, others: bool = False) -> dict[str, Finding]:
    """A finding per file staged still holding a conflict the merge driver left (:mod:`.conflicts`): it reads
    and is sealed, so nothing else would stop it, and committing it keeps one side's value and drops the other's.
    ``others``: any other file staged so too (:func:`.conflicts.unresolved_staged`)."""
    from sealfile.gitflow.conflicts import WHOLE, unresolved_staged

    found = {}
    for file, left in unresolved_staged(files, others=others).items():
        name = shlex.quote(file)
        if left.conflicts == [WHOLE]:
            why = ("the merge driver could not merge it and kept our version (theirs' changes are not in it): "
                   f"once the cause is fixed, git checkout -m {name}; or combine the changes by hand (sealfile edit "
                   f"{name})")
        else:
            why = (f"unresolved merge conflict at {', '.join(left.conflicts)} (it holds the value the merge kept "
                   f"there, not the other side's): set the value you mean (sealfile edit {name})"
                   + ("" if left.committed else f", or take one side whole (git checkout --ours/--theirs {name})"))
        # committed without the hook: the fix is a new commit, and the cause is worth naming once
        then = f"git add {name} && git commit" if left.committed else f"git add {name}"
        committed = (" (committed so: 'git rebase --continue' and 'git commit --no-verify' run no hook)"
                     if left.committed else "")
        found[file] = Finding(file, f"{why}, then {then}; or keep what it holds: sealfile git resolve "
                                    f"{name}{committed}")
    return found

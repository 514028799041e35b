"""Whether the merge driver may have left a conflict recorded for a file (:mod:`.conflicts`), told without
running git: ``status`` is a hot command, and a file in a repository with no record (nearly always) must cost
it no git process. A ``True`` is only a reason to ask git (:func:`.conflicts.unresolved_in_worktree`)."""

from __future__ import annotations

import os

RECORDS = "sealfile/conflicts"
"""Where, below the git directory, the records are kept (this module is on the hot path: the one light home of
the name)."""


def may_be_recorded(file: str | os.PathLike[str]) -> bool:
    """Any record in the git directory of the work tree holding ``file``: the one git finds from the file's
    directory, as :mod:`.conflicts` asks it; never from where a link at ``file`` points (a sibling clone's
    git directory holds no record, and the conflict here would pass unasked)."""
    return may_be_recorded_under(os.path.dirname(os.path.abspath(file)))


def may_be_recorded_under(directory: str | os.PathLike[str]) -> bool:
    """Any record in the git directory of the work tree holding ``directory`` (``GIT_DIR`` if set, else the
    ``.git`` directory, or the one a ``.git`` file names, found upwards from it)."""
    if os.environ.get("GIT_DIR"):
        return _any(os.environ["GIT_DIR"])
    directory = os.path.realpath(directory)
    while True:
        dot_git = os.path.join(directory, ".git")
        if os.path.isdir(dot_git):
            return _any(dot_git)
        if os.path.isfile(dot_git):  # a linked worktree or submodule: "gitdir: PATH"
            try:
                with open(dot_git, encoding="utf-8") as handle:
                    named = handle.read().strip().removeprefix("gitdir:").strip()
            except (OSError, UnicodeDecodeError):
                return True  # cannot tell: let git say
            return _any(os.path.join(directory, named))
        parent = os.path.dirname(directory)
        if parent == directory:
            return False
        directory = parent


def _any(git_dir: str) -> bool:
    try:
        return any(name.endswith(".json") for name in os.listdir(os.path.join(git_dir, RECORDS)))
    except OSError:
        return False

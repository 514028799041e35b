"""A clone or worktree made with ``--no-checkout``: git has no index yet, so no file is tracked and
``.gitattributes`` is not in the work tree. ``install`` there would write a default block that then stops the
checkout (git refuses to overwrite an untracked ``.gitattributes``), and ``check`` would pass having read
nothing: both say what is missing instead, and leave everything as it was."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.gitflow.test_team_clones import FILE, team
from tests.support.git import SEALFILE, Sandbox

__all__ = ["team"]


def _unchecked(bob: Sandbox, how: str) -> Sandbox:
    """bob's second work tree, made ``how`` with ``--no-checkout``."""
    where = bob.root / "bob-unchecked"
    env = bob.env
    if how == "clone":
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(bob.root / "origin.git"), str(where)],
                       env=env, check=True, capture_output=True)
    elif how == "worktree":
        bob.git("worktree", "add", "-q", "--no-checkout", "-b", "elsewhere", str(where))
    else:  # a dotfiles set-up: a bare repository, its work tree named by the environment
        bare = bob.root / "bob-dotfiles.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(bob.root / "origin.git"), str(bare)], env=env, check=True,
                       capture_output=True)
        where.mkdir()
        env = {**env, "GIT_DIR": str(bare), "GIT_WORK_TREE": str(where)}
    return Sandbox(bob.root, where, env, bob.recipient)


def _state(box: Sandbox) -> tuple[list[str], str, list[str]]:
    git_dir = Path(box.git("rev-parse", "--absolute-git-dir").stdout.strip())
    hooks = sorted(p.name for p in (git_dir / "hooks").glob("*") if not p.name.endswith(".sample"))
    config = box.git("config", "--get-regexp", "sealfile", check=False).stdout
    return sorted(p.name for p in box.repo.iterdir()), config, hooks


@pytest.mark.parametrize("how", ["clone", "worktree", "GIT_DIR"])
def test_install_before_the_checkout_says_so_and_leaves_the_checkout_possible(
        team: tuple[Sandbox, Sandbox], how: str) -> None:
    _, bob = team
    box = _unchecked(bob, how)
    before = _state(box)
    done = box.sealfile("git", "install", "--command", SEALFILE, check=False)
    assert done.returncode == 1
    assert done.stderr == (f"sealfile: error: nothing installed: {box.repo}: this work tree is not checked out yet "
                           "(git has no index: git clone or git worktree add --no-checkout, a bare repository's "
                           "GIT_WORK_TREE), so no file is tracked and .gitattributes is not here: check it out "
                           "first (git checkout HEAD), then run 'sealfile git install'\n")
    assert _state(box) == before
    box.git("checkout", "-q", "HEAD")  # the named fix: the checkout is not stopped by a file install wrote
    box.sealfile("git", "install", "--command", SEALFILE)
    attributes = box.git("check-attr", "diff", "merge", "--", FILE).stdout
    assert attributes == f"{FILE}: diff: sealfile\n{FILE}: merge: sealfile\n"
    assert box.git("status", "--porcelain").stdout == ""  # the committed block, as it was


def test_check_before_the_checkout_refuses_rather_than_pass_with_nothing_read(
        team: tuple[Sandbox, Sandbox]) -> None:
    _, bob = team
    box = _unchecked(bob, "clone")
    done = box.sealfile("check", check=False)
    assert done.returncode == 2
    assert done.stderr.startswith(f"sealfile: error: {box.repo}: this work tree is not checked out yet (git has no "
                                  "index: git clone or git worktree add --no-checkout, a bare repository's "
                                  "GIT_WORK_TREE), so no file is tracked and .gitattributes is not here: no files to "
                                  "check; check it out first (git checkout "
                                  "HEAD)")
    box.git("checkout", "-q", "HEAD")
    assert box.sealfile("check").returncode == 0

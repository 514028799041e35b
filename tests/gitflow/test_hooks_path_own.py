"""``core.hooksPath`` naming the repository's own hooks directory (``.git/hooks``, as some hook managers leave it
when they are removed): git runs the hooks install writes there, so install writes them as without the setting.
A directory inside the git directory is never committed, so no hook there is told to run ``sealfile`` from the
PATH as a committed one is (real git)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.gitflow.guard_hooks import HOOKS, hook_command
from tests.gitflow.test_half_setups import _warnings, sealed
from tests.support.git import SEALFILE, Sandbox

__all__ = ["sealed"]


def _without_hooks(box: Sandbox, hooks_path: str) -> Path:
    hooks = box.repo / ".git" / "hooks"
    for hook in HOOKS:
        (hooks / hook).unlink()
    box.git("config", "core.hooksPath", hooks_path.format(repo=box.repo))
    return hooks


@pytest.mark.parametrize("hooks_path", [".git/hooks", ".git/hooks/", "{repo}/.git/hooks", "./.git/../.git/hooks"])
def test_install_writes_its_hooks_where_core_hooks_path_names_the_repositorys_own(sealed: Sandbox,
                                                                                   hooks_path: str) -> None:
    hooks = _without_hooks(sealed, hooks_path)
    assert len(_warnings(sealed)) == 1  # the hooks are missing where git runs them
    done = sealed.sealfile("git", "install", "--command", SEALFILE)
    assert done.stderr == ""
    assert sorted(p.name for p in hooks.iterdir() if p.name in HOOKS) == sorted(HOOKS)
    assert _warnings(sealed) == []
    ran = sealed.git("hook", "run", HOOKS[0], "--", "message")  # git runs ours from there
    assert ran.returncode == 0 and "ignored" not in ran.stderr


def test_a_hooks_directory_inside_the_git_directory_is_not_called_committed(sealed: Sandbox) -> None:
    _without_hooks(sealed, ".git/other-hooks")
    done = sealed.sealfile("git", "install", "--command", SEALFILE)
    assert done.stderr.splitlines() == [
        f"sealfile: warning: core.hooksPath is set: have .git/other-hooks/{hook} run '{hook_command(SEALFILE, hook)}' "
        "(so that git replaying commits cannot commit or drop a conflict the merge driver left unnoticed)"
        for hook in HOOKS]

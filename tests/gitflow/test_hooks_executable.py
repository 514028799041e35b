"""A replay hook that lost its executable bit (a ``.git`` restored from an archive, copied by a tool that keeps no
modes): git skips it (``hint: The 'prepare-commit-msg' hook was ignored because it's not set as executable``), and
so does pre-commit for ours kept as ``HOOK.legacy``. Such a clone is told, and ``sealfile git install`` again, the
fix named, makes the hook run (real git)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sealfile.gitflow.guard_hooks import HOOKS
from tests.gitflow.test_half_setups import _told_to_install_again, sealed
from tests.gitflow.test_pre_commit import LOCAL
from tests.support.git import Sandbox

__all__ = ["sealed"]


def _runs(box: Sandbox, hook: str) -> bool:
    """Whether git runs ``hook`` of this clone (``git hook run`` skips one that is not executable, as commits do)."""
    ran = box.git("hook", "run", "--ignore-missing", hook, "--", "rebase", check=False)
    return "ignored because it's not set as executable" not in ran.stderr


@pytest.mark.parametrize("hook", HOOKS)
def test_our_hook_without_its_executable_bit_is_told_and_install_makes_it_run(sealed: Sandbox, hook: str) -> None:
    path = sealed.repo / ".git" / "hooks" / hook
    path.chmod(0o644)
    assert not _runs(sealed, hook)
    _told_to_install_again(sealed, (hook,))
    assert os.access(path, os.X_OK) and _runs(sealed, hook)


def test_ours_kept_by_pre_commit_without_its_executable_bit_is_told_and_install_makes_it_run(
        sealed: Sandbox) -> None:
    (sealed.repo / ".pre-commit-config.yaml").write_text(LOCAL)
    sealed.commit("pre-commit")
    env = {**sealed.env, "PRE_COMMIT_HOME": str(sealed.root / "pre-commit")}
    types = [arg for hook in ("pre-commit", "pre-merge-commit", HOOKS[0]) for arg in ("-t", hook)]
    subprocess.run([sys.executable, "-m", "pre_commit", "install", *types], cwd=sealed.repo, env=env, check=True,
                   capture_output=True)
    legacy = sealed.repo / ".git" / "hooks" / f"{HOOKS[0]}.legacy"
    legacy.chmod(0o644)  # pre-commit's hook runs it only when executable
    _told_to_install_again(sealed, HOOKS[:1])
    assert os.access(legacy, os.X_OK)

"""``pre-commit install`` run before ``sealfile git install`` (a team whose pre-commit configuration already has
hooks at ``prepare-commit-msg`` or ``post-rewrite``, a commit-message linter): its hook is there first, and runs
``HOOK.legacy``, where ``pre-commit install`` moves ours when it comes second. install writes ours there, so the
clone is set up whichever ran first, and a blind ``git rebase --continue`` is refused through pre-commit's hook
(real git, real pre-commit)."""

from __future__ import annotations

import os
import subprocess
import sys

from sealfile.gitflow.guard_hooks import MARK
from tests.gitflow.test_replay_hooks import FILE, _diverged, _stop_in_rebase
from tests.support.git import SEALFILE, Sandbox

NO_HOOKS = "default_install_hook_types: [pre-commit, prepare-commit-msg, post-rewrite]\nrepos: []\n"


def test_install_after_pre_commit_install_writes_ours_where_pre_commits_hooks_run_it(sandbox: Sandbox) -> None:
    sandbox.env["PRE_COMMIT_HOME"] = str(sandbox.root / "pre-commit")
    (sandbox.repo / ".pre-commit-config.yaml").write_text(NO_HOOKS)
    sandbox.commit("pre-commit")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=sandbox.repo, env=sandbox.env, check=True,
                   capture_output=True)
    hooks = sandbox.repo / ".git" / "hooks"
    theirs = {hook: (hooks / hook).read_text() for hook in ("prepare-commit-msg", "post-rewrite")}
    done = sandbox.sealfile("git", "install", "--command", SEALFILE)
    assert "sealfile: warning" not in done.stderr, done.stderr
    for hook, text in theirs.items():
        assert (hooks / hook).read_text() == text  # pre-commit's, left as it was
        legacy = hooks / f"{hook}.legacy"
        assert MARK in legacy.read_text() and os.access(legacy, os.X_OK)
    sandbox.commit("gitattributes")
    assert [w for w in sandbox.sealfile("check").stderr.splitlines() if "warning" in w] == []

    _diverged(sandbox, only_change=False)
    go_on = _stop_in_rebase(sandbox)
    sandbox.git("add", "-A")
    refused = sandbox.git("-c", "core.editor=true", *go_on, check=False)
    assert refused.returncode != 0
    assert f"sealfile: error: {FILE}: unresolved merge conflict at db.password" in refused.stderr

    sandbox.sealfile("git", "uninstall")
    assert not any(hooks.glob("*.legacy")) and {h: (hooks / h).read_text() for h in theirs} == theirs

"""husky 9 sets ``core.hooksPath`` to ``.husky/_``, a directory it generates (and git ignores) whose every hook
sources ``.husky/_/h``, which runs the committed script ``.husky/HOOK`` with ``sh -e``. The replay hooks belong in
those scripts: install names them there (a line added to ``.husky/_/HOOK`` is gone at the next ``npm install``),
and a clone whose scripts run ``sealfile git unresolved`` is set up, not told to add them again (real git; husky's
generated files as husky 9 writes them)."""

from __future__ import annotations

from sealfile.gitflow.guard_hooks import HOOKS, hook_command
from tests.gitflow.test_half_setups import _warnings, sealed
from tests.gitflow.test_pre_commit import LOCAL
from tests.gitflow.test_replay_hooks import FILE, _diverged, _stop_in_rebase
from tests.support.git import SEALFILE, Sandbox

__all__ = ["sealed"]

RUNNER = """#!/usr/bin/env sh
[ "$HUSKY" = "2" ] && set -x
n=$(basename "$0")
s=$(dirname "$(dirname "$0")")/$n

[ ! -f "$s" ] && exit 0

[ "${HUSKY-}" = "0" ] && exit 0

export PATH="node_modules/.bin:$PATH"
sh -e "$s" "$@"
c=$?

[ $c != 0 ] && echo "husky - $n script failed (code $c)"
exit $c
"""


def _husky(box: Sandbox) -> None:
    """What ``npx husky`` leaves: ``.husky/_`` with the runner and a stub per hook, and core.hooksPath."""
    generated = box.repo / ".husky" / "_"
    generated.mkdir(parents=True)
    (generated / ".gitignore").write_text("*\n")
    (generated / "h").write_text(RUNNER)
    for hook in (*HOOKS, "pre-commit", "pre-merge-commit", "commit-msg"):
        (generated / hook).write_text('#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n')
        (generated / hook).chmod(0o755)
    box.git("config", "core.hooksPath", ".husky/_")


def test_install_names_huskys_scripts_and_a_clone_whose_scripts_run_the_check_is_set_up(sealed: Sandbox) -> None:
    _husky(sealed)
    done = sealed.sealfile("git", "install", "--command", SEALFILE)
    told = [line.split(": have ", 1)[1] for line in done.stderr.splitlines()]
    assert told == [f".husky/{hook} run '{hook_command('sealfile', hook)}' (so that git replaying commits cannot "
                    "commit or drop a conflict the merge driver left unnoticed)" for hook in HOOKS]
    (warning,) = _warnings(sealed)
    assert "have prepare-commit-msg and pre-applypatch and post-rewrite in .husky run" in warning
    for hook in HOOKS:  # as husky's docs say: a committed script, no executable bit needed
        (sealed.repo / ".husky" / hook).write_text(f"{hook_command(SEALFILE, hook)}\n")
    assert _warnings(sealed) == []

    _diverged(sealed, only_change=False)
    go_on = _stop_in_rebase(sealed)
    sealed.git("add", FILE)
    refused = sealed.git("-c", "core.editor=true", *go_on, check=False)
    assert refused.returncode != 0  # through husky's runner
    assert f"sealfile: error: {FILE}: unresolved merge conflict at db.password" in refused.stdout + refused.stderr


def test_huskys_scripts_running_pre_commit_count_as_the_pre_commit_hooks(sealed: Sandbox) -> None:
    (sealed.repo / ".pre-commit-config.yaml").write_text(LOCAL)  # pre-commit and pre-merge-commit
    sealed.commit("pre-commit")
    _husky(sealed)
    for hook in HOOKS:
        (sealed.repo / ".husky" / hook).write_text(f"{hook_command(SEALFILE, hook)}\n")
    (warning,) = _warnings(sealed)  # husky's stubs run nothing of pre-commit's until its scripts do
    assert warning.endswith("the pre-commit and pre-merge-commit hook of this clone runs neither pre-commit nor "
                            "sealfile: core.hooksPath is set (.husky/_), where 'pre-commit install' installs nothing: "
                            "make each of these hooks in .husky run 'pre-commit run --hook-stage HOOK' (until then "
                            "nothing checks sealed files when git commits)")
    for hook in ("pre-commit", "pre-merge-commit"):
        (sealed.repo / ".husky" / hook).write_text(f"pre-commit run --hook-stage {hook}\n")
    assert _warnings(sealed) == []

"""A clone set up half way is told, with one line naming the fix: each part of what ``sealfile git install`` sets
up missing or stale, the rest in place (real git). The drivers' half states have their own tests
(``test_setup_e2e.py``, ``test_install_complete.py``, ``test_team_clones.py``); here, the replay hooks: a clone
with the drivers but without the hooks lets ``git rebase --continue`` commit or drop a conflict unrefused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.gitflow.guard_hooks import HOOKS, hook_text
from tests.gitflow.test_pre_commit import LOCAL
from tests.gitflow.test_setup_e2e import _clone
from tests.support.git import SEALFILE, Sandbox, seal_file

FILE = "app.enc.yaml"


def _warnings(box: Sandbox) -> list[str]:
    return [line for line in box.sealfile("check").stderr.splitlines() if line.startswith("sealfile: warning:")]


def _told_to_install_again(box: Sandbox, missing: tuple[str, ...]) -> None:
    """The one line a clone with the drivers but without ``missing`` hooks is given; gone once install runs."""
    assert _warnings(box) == [
        f"sealfile: warning: {box.repo}: this clone has the sealfile drivers but not the {' and '.join(missing)} "
        "hook 'sealfile git install' writes: run 'sealfile git install' again (until then git rebase --continue "
        "commits, or drops, a conflict the merge driver left, unrefused)"]
    box.sealfile("git", "install", "--command", SEALFILE)
    assert _warnings(box) == []


@pytest.fixture
def sealed(installed: Sandbox) -> Sandbox:
    seal_file(installed, FILE, "a: one\n")
    installed.commit("secrets")
    assert _warnings(installed) == []
    return installed


@pytest.mark.parametrize("gone", [HOOKS, HOOKS[-1:]], ids=["all", "post-rewrite"])
def test_drivers_without_the_replay_hooks_are_told_to_install_again(sealed: Sandbox, gone: tuple[str, ...]) -> None:
    for hook in gone:
        (sealed.repo / ".git" / "hooks" / hook).unlink()
    _told_to_install_again(sealed, gone)


def test_drivers_from_a_shared_file_the_clone_includes_without_the_replay_hooks_are_told(sealed: Sandbox) -> None:
    """A team's committed git config, which each clone includes (``git config include.path ../team.gitconfig``):
    the drivers run, the replay hooks were never written, and the check, reading only this clone's own file for
    the drivers, said nothing."""
    shared = sealed.repo / "team.gitconfig"
    listed = sealed.git("config", "--local", "-z", "--get-regexp", r"^(diff|merge)\.sealfile\.").stdout
    for entry in filter(None, listed.split("\0")):
        sealed.git("config", "--file", str(shared), *entry.split("\n", 1))
    sealed.sealfile("git", "uninstall")
    sealed.git("checkout", "--", ".gitattributes")
    sealed.git("config", "include.path", "../team.gitconfig")
    assert "sealfile" in sealed.git("config", "--get", "merge.sealfile.driver").stdout
    _told_to_install_again(sealed, HOOKS)


def test_a_replay_hook_whose_command_is_gone_is_told_to_install_again(sealed: Sandbox) -> None:
    gone = sealed.root / "old-venv" / "bin" / "python"
    (sealed.repo / ".git" / "hooks" / HOOKS[0]).write_text(hook_text(f"{gone} -m sealfile"))
    assert _warnings(sealed) == [
        f"sealfile: warning: {sealed.repo}: the sealfile {HOOKS[0]} hook of this clone runs {gone} -m sealfile, which "
        "cannot run here (a moved or deleted virtualenv?): run 'sealfile git install' again (until then every commit "
        "git replays fails while a merge conflict is recorded)"]


def test_our_hook_copied_into_hooks_path_with_a_gone_command_is_told_to_be_edited(sealed: Sandbox) -> None:
    """A team moving to a committed hooks directory copies the hooks install wrote (a teammate's virtualenv in them):
    'run sealfile git install again' was named, which writes nothing under core.hooksPath, so it never cleared."""
    gone = sealed.root / "alices-venv" / "bin" / "python"
    shared = sealed.repo / ".githooks"
    shared.mkdir()
    for hook in HOOKS:
        (shared / hook).write_text(hook_text(f"{gone} -m sealfile", hook))
        (shared / hook).chmod(0o755)
    sealed.git("config", "core.hooksPath", ".githooks")
    edit = (f"edit {shared / HOOKS[0]} to run 'sealfile git unresolved' with a command that runs here (until then "
            "every commit git replays fails while a merge conflict is recorded)")
    [warning] = _warnings(sealed)
    assert warning.endswith(edit)
    sealed.sealfile("git", "install", "--command", SEALFILE)
    assert _warnings(sealed) == [warning]  # install leaves another tool's hooks directory as it is
    for hook in HOOKS:
        (shared / hook).write_text(hook_text(SEALFILE, hook))
    assert _warnings(sealed) == []


def test_hooks_path_without_the_replay_hooks_is_told_where_to_add_them(sealed: Sandbox) -> None:
    husky = sealed.repo / ".husky"
    husky.mkdir()
    sealed.git("config", "core.hooksPath", ".husky")
    assert _warnings(sealed) == [
        f"sealfile: warning: {sealed.repo}: this clone has the sealfile drivers but not the {' and '.join(HOOKS)} hook "
        "'sealfile git install' writes: core.hooksPath is set (.husky), where git runs hooks instead: have "
        f"{' and '.join(HOOKS)} there run 'sealfile git unresolved' as 'sealfile git install' names (until then git "
        "rebase --continue commits, or drops, a conflict the merge driver left, unrefused)"]
    for hook in HOOKS:
        (husky / hook).write_text(f"#!/bin/sh\n{SEALFILE} git unresolved\n")
        (husky / hook).chmod(0o755)
    assert _warnings(sealed) == []


def test_pre_commit_keeping_ours_as_legacy_counts_as_installed(sealed: Sandbox) -> None:
    (sealed.repo / ".pre-commit-config.yaml").write_text(LOCAL)
    sealed.commit("pre-commit")
    env = {**sealed.env, "PRE_COMMIT_HOME": str(sealed.root / "pre-commit")}
    hook_types = ("pre-commit", "pre-merge-commit", "prepare-commit-msg", "post-rewrite")  # no pre-applypatch there
    types = [arg for hook in hook_types for arg in ("-t", hook)]
    subprocess.run([sys.executable, "-m", "pre_commit", "install", *types], cwd=sealed.repo, env=env, check=True,
                   capture_output=True)
    assert (sealed.repo / ".git" / "hooks" / f"{HOOKS[0]}.legacy").exists()
    assert _warnings(sealed) == []


def test_replay_hooks_without_the_drivers_are_told_the_drivers_are_missing(sealed: Sandbox) -> None:
    for section in ("diff.sealfile", "merge.sealfile"):
        sealed.git("config", "--remove-section", section)
    assert _warnings(sealed) == [
        f"sealfile: warning: {sealed.repo}: .gitattributes uses the sealfile merge and diff drivers, but this clone "
        "has none configured: run 'sealfile git install' (until then git merges sealed files as text)"]


def test_a_new_teammates_clone_shows_ciphertext_only_and_is_told_the_one_step_left(sealed: Sandbox) -> None:
    """git config does not travel: the clone's git log -p and git diff run no textconv (stored ciphertext, never a
    value), and sealfile names the set-up step left; once installed, both read the values (with a key)."""
    sealed.sealfile("set", FILE, "a", "two")
    sealed.commit("two")
    clone = _clone(sealed, "teammate")
    for command in (("log", "-p", "-1"), ("diff", "HEAD~1", "HEAD")):
        shown = clone.git(*command).stdout
        assert "ENC[" in shown and "a: two" not in shown
    assert _warnings(clone) == [
        f"sealfile: warning: {clone.repo}: .gitattributes uses the sealfile merge and diff drivers, but this clone "
        "has none configured: run 'sealfile git install' (until then git merges sealed files as text)"]
    clone.sealfile("git", "install", "--command", SEALFILE)
    assert _warnings(clone) == []
    assert "+a: two" in clone.git("log", "-p", "-1").stdout


def _limited() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # a read without end fails here, not on the machine


@pytest.mark.parametrize("committed", [".pre-commit-config.yaml", ".gitattributes", ".husky/post-rewrite"])
def test_a_committed_symlink_to_a_device_is_not_read_by_the_set_up_check(sealed: Sandbox, committed: str) -> None:
    """Whoever can push names the files the set-up check reads (the pre-commit configuration, the attributes, the
    hooks a committed core.hooksPath directory holds): a symlink to /dev/zero read whole took every command that
    reads a sealed file in that clone to a MemoryError (or all of the machine's memory)."""
    (sealed.repo / ".husky").mkdir()
    (sealed.repo / committed).unlink(missing_ok=True)
    (sealed.repo / committed).symlink_to("/dev/zero")
    sealed.commit("a symlink")
    if committed.startswith(".husky"):
        sealed.git("config", "core.hooksPath", ".husky")
    done = subprocess.run([sys.executable, "-m", "sealfile", "decrypt", FILE], cwd=sealed.repo, env=sealed.env,
                          capture_output=True, text=True, preexec_fn=_limited, timeout=120)
    assert (done.returncode, done.stdout) == (0, "a: one\n"), done.stderr


_SET_UP_FILES = [".pre-commit-config.yaml", ".gitattributes", ".husky/post-rewrite"]


@pytest.mark.parametrize("committed", _SET_UP_FILES)
@pytest.mark.parametrize("target", ["/proc/self/mem", "/proc/self/clear_refs"])
def test_a_committed_symlink_to_a_file_that_fails_to_read_is_not_read_by_the_set_up_check(
        sealed: Sandbox, committed: str, target: str) -> None:
    """A regular file whose read fails (``/proc/self/mem``: EIO; ``clear_refs``: EINVAL) took every command
    that reads a sealed file in that clone to a traceback."""
    _commit_link(sealed, committed, target)
    done = sealed.sealfile("decrypt", FILE, check=False)
    assert (done.returncode, done.stdout, done.stderr.count("Traceback")) == (0, "a: one\n", 0), done.stderr


@pytest.mark.parametrize("committed", _SET_UP_FILES)
def test_a_committed_symlink_to_standard_input_does_not_take_a_value_piped_in(sealed: Sandbox, committed: str) -> None:
    """A symlink to ``/dev/stdin`` (a pipe when a value is piped to ``set``) had the set-up check read the value
    the user meant for ``set`` ('standard input is empty': a secret read by a check that only looks for names)."""
    _commit_link(sealed, committed, "/dev/stdin")
    done = subprocess.run([sys.executable, "-m", "sealfile", "set", FILE, "a"], cwd=sealed.repo, env=sealed.env,
                          input="two", capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sealed.sealfile("decrypt", FILE).stdout == "a: two\n"


def _commit_link(box: Sandbox, committed: str, target: str) -> None:
    (box.repo / ".husky").mkdir(exist_ok=True)
    (box.repo / committed).unlink(missing_ok=True)
    (box.repo / committed).symlink_to(target)
    box.commit("a symlink")
    if committed.startswith(".husky"):
        box.git("config", "core.hooksPath", ".husky")


def test_check_is_not_stopped_by_a_committed_attributes_link_that_fails_to_read(sealed: Sandbox) -> None:
    """``check`` (the pre-commit hook) reads ``.gitattributes`` to tell whether sealed files go to the drivers:
    a link to a file that fails to read was a traceback, not the finding (git reads no linked attributes)."""
    _commit_link(sealed, ".gitattributes", "/proc/self/mem")
    done = subprocess.run([sys.executable, "-m", "sealfile", "check", FILE], cwd=sealed.repo, env=sealed.env,
                          capture_output=True, text=True, preexec_fn=_limited, timeout=120)
    assert done.stderr.count("Traceback") == 0 and "Input/output error" not in done.stderr, done.stderr


@pytest.mark.parametrize("hooks_path", ["", ".husky"], ids=["git-hooks", "core.hooksPath"])
def test_commit_hooks_of_another_tool_do_not_count_as_running_the_pre_commit_check(sealed: Sandbox,
                                                                                     hooks_path: str) -> None:
    """A hook being there is not the check being run: another tool's ``pre-commit`` hook (husky, lint-staged, one
    written by hand) lets a plaintext ``*.enc.yaml`` be committed although ``.pre-commit-config.yaml`` says not."""
    (sealed.repo / ".pre-commit-config.yaml").write_text(LOCAL)
    sealed.commit("pre-commit configuration")
    hooks = sealed.repo / (hooks_path or ".git/hooks")
    hooks.mkdir(exist_ok=True)
    if hooks_path:
        sealed.git("config", "core.hooksPath", hooks_path)
        for hook in HOOKS:
            _hook(hooks / hook, f"{SEALFILE} git unresolved")
    for hook in ("pre-commit", "pre-merge-commit"):
        _hook(hooks / hook, "echo linted")
    fix = (f"core.hooksPath is set ({hooks_path}), where 'pre-commit install' installs nothing: make each of these "
           "hooks there run 'pre-commit run --hook-stage HOOK'" if hooks_path else "run 'pre-commit install'")
    assert _warnings(sealed) == [
        f"sealfile: warning: {sealed.repo}: .pre-commit-config.yaml runs sealfile check, but the pre-commit and "
        f"pre-merge-commit hook of this clone runs neither pre-commit nor sealfile: {fix} (until then nothing checks "
        "sealed files when git commits)"]
    if hooks_path:
        for hook in ("pre-commit", "pre-merge-commit"):
            _hook(hooks / hook, f"echo linted\npre-commit run --hook-stage {hook}")
    else:  # pre-commit keeps the other tool's hooks as HOOK.legacy, and runs them
        installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=sealed.repo, env=sealed.env,
                                   capture_output=True, text=True, timeout=300)
        assert installed.returncode == 0, installed.stderr
    assert _warnings(sealed) == []


def _hook(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def test_a_committed_hook_naming_sealfile_from_the_path_is_checked_on_this_path(sealed: Sandbox) -> None:
    """The hooks 'sealfile git install' names for a hooks directory in the work tree run ``sealfile`` from the PATH
    (no path of one machine): where no ``sealfile`` is on it, the clone is told so, not told all is in place."""
    husky = sealed.repo / ".husky"
    husky.mkdir()
    for hook in HOOKS:
        (husky / hook).write_text(f"#!/bin/sh\nsealfile git unresolved{' --warn' if hook == 'post-rewrite' else ''}\n")
        (husky / hook).chmod(0o755)
    sealed.git("config", "core.hooksPath", ".husky")
    bin_dir = sealed.root / "bin"
    bin_dir.mkdir()
    bare = {**sealed.env, "PATH": f"{bin_dir}{os.pathsep}{os.path.dirname(shutil.which('git') or '/usr/bin/git')}"}
    told = [line for line in sealed.sealfile("check", env=bare).stderr.splitlines() if "warning:" in line]
    assert told == [
        f"sealfile: warning: {sealed.repo}: the sealfile {HOOKS[0]} hook of this clone runs sealfile, which cannot run "
        "here (not on the PATH here): put it on the PATH git runs hooks with (until then every commit git replays "
        "fails while a merge conflict is recorded)"]
    (bin_dir / "sealfile").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "sealfile").chmod(0o755)
    assert [line for line in sealed.sealfile("check", env=bare).stderr.splitlines() if "warning:" in line] == []

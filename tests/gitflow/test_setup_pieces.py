"""Each setting ``sealfile git install`` writes is compared with what it writes, not only found there: a diff driver
left by an older install or written by hand, git's cache of decrypted views turned on, our replay hook kept by
``pre-commit install`` as ``HOOK.legacy`` with a command that is gone, a setting another config file overrides.
Each is named with the one command that repairs it, and that command does (real git)."""

from __future__ import annotations

import shlex

import pytest

from sealfile.gitflow.driver_commands import CACHE, CACHE_REF, NOT_RUN, textconv_command
from sealfile.gitflow.guard_hooks import HOOKS, hook_text
from tests.gitflow.test_half_setups import FILE, _warnings
from tests.support.git import SEALFILE, Sandbox, seal_file

AGAIN = "run 'sealfile git install' again"


@pytest.fixture
def sealed(installed: Sandbox) -> Sandbox:
    seal_file(installed, FILE, "a: one\n")
    installed.commit("secrets")
    installed.sealfile("set", FILE, "a", "uno")
    assert _warnings(installed) == []
    return installed


@pytest.mark.parametrize("textconv", [
    textconv_command("/gone/venv/bin/python -m sealfile"),  # a deleted virtualenv: git diff falls back to cat
    "sealfile git textconv",  # by hand, or an older sealfile's: no fallback, needs sealfile on git's PATH
    textconv_command("/bin/true"),  # runs, but not sealfile: every diff empty
], ids=["gone", "by-hand", "another-program"])
def test_a_diff_driver_that_is_not_the_one_install_writes_is_told_and_install_repairs_it(
        sealed: Sandbox, textconv: str) -> None:
    sealed.git("config", "diff.sealfile.textconv", textconv)
    [warning] = _warnings(sealed)
    assert "the sealfile diff driver of this clone (diff.sealfile.textconv) runs " in warning
    assert f": {AGAIN} (until then git diff" in warning
    sealed.sealfile("git", "install", "--command", SEALFILE)
    assert _warnings(sealed) == []
    assert "+a: uno" in sealed.git("diff").stdout


@pytest.mark.parametrize("scope", ["--local", "--global"])
def test_gits_cache_of_decrypted_views_is_told_and_install_turns_it_off_and_drops_it(
        sealed: Sandbox, scope: str) -> None:
    sealed.git("config", scope, CACHE, "true")
    sealed.git("diff")
    sealed.git("commit", "-qam", "uno")
    sealed.git("log", "-p")
    cached = sealed.git("rev-parse", "-q", "--verify", CACHE_REF).stdout.strip()
    assert "a: one" in sealed.git("cat-file", "-p", f"{cached}^{{tree}}").stdout + sealed.git(
        "log", "-p", CACHE_REF).stdout  # plaintext in the object store
    assert _warnings(sealed) == [
        f"sealfile: warning: {sealed.repo}: {CACHE} is set: git keeps the decrypted view of every sealed file it "
        f"diffs in {CACHE_REF} (plaintext in .git, pushed with the notes): {AGAIN} (it unsets it and drops that "
        "cache)"]
    sealed.sealfile("git", "install", "--command", SEALFILE)
    assert _warnings(sealed) == []
    assert sealed.git("config", "--bool", "--get", CACHE, check=False).stdout.strip() in ("", "false")
    assert sealed.git("rev-parse", "-q", "--verify", CACHE_REF, check=False).stdout == ""
    sealed.git("log", "-p")
    assert sealed.git("rev-parse", "-q", "--verify", CACHE_REF, check=False).stdout == ""


def test_our_hook_kept_by_pre_commit_as_legacy_is_rewritten_by_install(sealed: Sandbox) -> None:
    hooks = sealed.repo / ".git" / "hooks"
    (hooks / f"{HOOKS[0]}.legacy").write_text(hook_text("/gone/venv/bin/python -m sealfile"))
    (hooks / f"{HOOKS[0]}.legacy").chmod(0o755)
    (hooks / HOOKS[0]).write_text('#!/bin/sh\n# pre-commit\n[ -x "$0.legacy" ] && exec "$0.legacy" "$@"\n')
    [warning] = _warnings(sealed)
    assert f"runs /gone/venv/bin/python -m sealfile, which cannot run here (a moved or deleted virtualenv?): {AGAIN}" \
        in warning
    sealed.sealfile("git", "install", "--command", SEALFILE)
    assert _warnings(sealed) == []
    assert (hooks / f"{HOOKS[0]}.legacy").read_text() == hook_text(SEALFILE, HOOKS[0])
    assert "# pre-commit" in (hooks / HOOKS[0]).read_text()
    sealed.sealfile("git", "uninstall")
    assert not (hooks / f"{HOOKS[0]}.legacy").exists()
    assert "# pre-commit" in (hooks / HOOKS[0]).read_text()


def test_another_tools_hook_with_a_gone_command_is_told_to_be_edited_not_reinstalled(sealed: Sandbox) -> None:
    husky = sealed.repo / ".husky"
    husky.mkdir()
    sealed.git("config", "core.hooksPath", ".husky")
    for hook in HOOKS:
        warn = " --warn" * (hook != HOOKS[0])
        (husky / hook).write_text(f"#!/bin/sh\nexec /gone/bin/sealfile git unresolved{warn}\n")
        (husky / hook).chmod(0o755)
    [warning] = _warnings(sealed)
    assert f"edit {husky / HOOKS[0]} to run 'sealfile git unresolved' with a command that runs here" in warning


def test_an_install_a_later_config_file_overrides_is_refused_naming_it(sealed: Sandbox) -> None:
    sealed.git("config", "extensions.worktreeConfig", "true")
    sealed.git("config", "--worktree", "merge.sealfile.recursive", "text")
    before = sealed.git("config", "--local", "--get-regexp", "sealfile").stdout
    done = sealed.sealfile("git", "install", "--command", SEALFILE, check=False)
    assert done.returncode != 0
    assert ("nothing installed: .git/config.worktree sets merge.sealfile.recursive otherwise, and git reads it after: "
            "remove it (git config --file .git/config.worktree --unset-all merge.sealfile.recursive), then run "
            "'sealfile git install' again") in done.stderr
    assert sealed.git("config", "--local", "--get-regexp", "sealfile").stdout == before
    sealed.git("config", "--file", ".git/config.worktree", "--unset-all", "merge.sealfile.recursive")
    sealed.sealfile("git", "install", "--command", SEALFILE)
    assert _warnings(sealed) == []


def test_a_sparse_checkout_leaving_gitattributes_out_is_still_told_its_drivers_are_missing(sealed: Sandbox) -> None:
    sealed.git("commit", "-qam", "uno")
    clone = Sandbox(sealed.root, sealed.root / "sparse", sealed.env, sealed.recipient)
    sealed.git("clone", "-q", str(sealed.repo), str(clone.repo))
    clone.git("sparse-checkout", "set", "--no-cone", f"/{FILE}")
    assert not (clone.repo / ".gitattributes").exists()
    assert clone.git("check-attr", "merge", FILE).stdout == f"{FILE}: merge: sealfile\n"  # git reads the index's
    assert _warnings(clone) == [
        f"sealfile: warning: {clone.repo}: .gitattributes uses the sealfile merge and diff drivers, but this clone "
        "has none configured: run 'sealfile git install' (until then git merges sealed files as text)"]
    clone.sealfile("git", "install", "--command", SEALFILE)
    assert _warnings(clone) == []


def test_a_staged_gitattributes_larger_than_any_file_sealfile_reads_is_not_read(sealed: Sandbox) -> None:
    attributes = sealed.repo / ".gitattributes"
    attributes.write_text(attributes.read_text() + "# " + "x" * 4000 + "\n")
    sealed.git("commit", "-qam", "a long comment")
    bounded = {**sealed.env, "SEALFILE_MAX_FILE_MB": "0.002"}  # 2 KiB: smaller than the staged blob
    clone = Sandbox(sealed.root, sealed.root / "sparse", bounded, sealed.recipient)
    sealed.git("clone", "-q", str(sealed.repo), str(clone.repo))
    clone.git("sparse-checkout", "set", "--no-cone", f"/{FILE}")
    assert clone.git("check-attr", "merge", FILE).stdout == f"{FILE}: merge: sealfile\n"
    assert _warnings(clone) == []  # the blob is past the bound: not read, so no driver is known to be asked for
    clone.env = {**bounded, "SEALFILE_MAX_FILE_MB": "1"}
    assert len(_warnings(clone)) == 1  # the same clone, with a bound the blob fits in


def test_a_linked_worktree_reads_the_info_attributes_it_shares(sealed: Sandbox) -> None:
    sealed.git("rm", "-q", ".gitattributes")
    sealed.git("commit", "-qam", "attributes kept in info/attributes")
    sealed.sealfile("git", "install", "--command", SEALFILE)
    (sealed.repo / ".gitattributes").rename(sealed.repo / ".git" / "info" / "attributes")
    sealed.git("worktree", "add", "-q", str(sealed.root / "wt"))
    sealed.git("config", "--unset", "merge.sealfile.driver")
    worktree = Sandbox(sealed.root, sealed.root / "wt", sealed.env, sealed.recipient)
    assert worktree.git("check-attr", "merge", FILE).stdout == f"{FILE}: merge: sealfile\n"
    [warning] = _warnings(worktree)
    assert warning.endswith("/.git/info/attributes uses the sealfile merge and diff drivers, but this clone has only "
                            "the diff driver configured: run 'sealfile git install' (until then git merges sealed "
                            "files as text)")


@pytest.mark.parametrize("attributes", ["untracked", "staged without the block"])
def test_sealed_files_committed_without_the_attributes_block_staged_are_refused(sandbox: Sandbox,
                                                                                attributes: str) -> None:
    if attributes != "untracked":
        (sandbox.repo / ".gitattributes").write_text("*.png binary\n")
        sandbox.commit("attributes of another tool")
    sandbox.sealfile("git", "install", "--command", SEALFILE)
    seal_file(sandbox, FILE, "a: one\n")
    sandbox.git("add", FILE)
    done = sandbox.sealfile("check", check=False)
    assert done.returncode == 3
    assert (f"sealfile: error: {FILE}: git would merge this sealed file as text in every clone: the .gitattributes "
            "line sending it to the sealfile drivers is not staged; git add .gitattributes") in done.stderr
    sandbox.git("add", ".gitattributes")
    assert sandbox.sealfile("check").stderr == ""


@pytest.mark.parametrize("setting", ["diff.external", "GIT_EXTERNAL_DIFF"])
def test_an_external_diff_program_shown_ciphertext_is_told_with_the_command_that_stops_it(
        sealed: Sandbox, setting: str) -> None:
    """difftastic's set-up (``git config --global diff.external difft``): git gives an external diff program each
    file as stored and runs no textconv, so ``git diff`` showed a sealed file's ciphertext and nothing said why."""
    program = sealed.root / "ext-diff"
    program.write_text('#!/bin/sh\ncat "$5"\n')  # as difft: the new version as it is on disk
    program.chmod(0o755)
    if setting == "diff.external":
        sealed.git("config", "--global", "diff.external", str(program))
        fix = f"git config --file {sealed.env['GIT_CONFIG_GLOBAL']} --unset diff.external"
    else:
        sealed.env["GIT_EXTERNAL_DIFF"] = str(program)
        fix = "unset GIT_EXTERNAL_DIFF"
    shown = sealed.git("diff").stdout
    assert "ENC[" in shown and "uno" not in shown
    told = (f"git diff hands sealed files to the external diff program {str(program)!r} as stored, ciphertext (git "
            f"runs no textconv for an external diff program): {fix} (or see them decrypted with git diff "
            "--no-ext-diff)")
    assert _warnings(sealed) == [f"sealfile: warning: {sealed.repo}: {told}"]
    assert f"sealfile: warning: {told}" in sealed.sealfile("git", "install", "--command", SEALFILE).stderr
    assert "+a: uno" in sealed.git("diff", "--no-ext-diff").stdout
    if setting == "diff.external":
        sealed.git(*shlex.split(fix)[1:])
    else:
        del sealed.env["GIT_EXTERNAL_DIFF"]
    assert _warnings(sealed) == []
    assert "+a: uno" in sealed.git("diff").stdout


def test_a_diff_driver_that_cannot_run_says_so_in_the_diff_itself(sealed: Sandbox) -> None:
    """A driver command a GUI's PATH lacks, or a deleted virtualenv: git diff fell back to the ciphertext with nothing
    in the diff saying why (git's standard error, where the shell says so, is hidden by most GUIs)."""
    wrapper = sealed.root / "sealfile-here"
    wrapper.write_text(f'#!/bin/sh\nexec {SEALFILE} "$@"\n')
    wrapper.chmod(0o755)
    sealed.sealfile("git", "install", "--command", str(wrapper))
    assert "+a: uno" in sealed.git("diff").stdout
    wrapper.unlink()
    shown = sealed.git("diff").stdout
    assert "ENC[" in shown and "uno" not in shown
    assert shown.endswith(f"\n {NOT_RUN}\n")

"""A sealed file git merged as text (the driver could not start): the error names the fix for the state git is in,
and following it works. ``git checkout -m FILE`` merges again only from git's record of both sides (unmerged
stages, or the resolve-undo entries 'git add' leaves, kept through the commit until the index is rebuilt);
without that record it merges nothing, and the error says to take a version back instead."""

from __future__ import annotations

import subprocess

from tests.gitflow.test_setup_e2e import FILE, _installed_off_gits_path, _two_sides
from tests.support.git import Sandbox

MERGED = "a: one-other\nb: two-main\n"


def _text_merged(box: Sandbox, *command: str) -> None:
    """Run ``git COMMAND`` from a shell without 'sealfile' on PATH: the file is left with git's markers."""
    done = subprocess.run(["git", *command], cwd=box.repo, env=_installed_off_gits_path(box), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0 and "<<<<<<<" in (box.repo / FILE).read_text(), done.stderr


def _error(box: Sandbox) -> str:
    done = box.sealfile("decrypt", FILE, check=False)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    return done.stderr.strip()


def test_markers_committed_while_git_still_holds_both_sides_are_merged_again_then_committed(
        sandbox: Sandbox) -> None:
    _two_sides(sandbox)
    _text_merged(sandbox, "merge", "other")
    sandbox.git("add", FILE)
    sandbox.git("commit", "--no-verify", "-qm", "merged blind")
    assert _error(sandbox).endswith(f"then: git checkout -m {FILE} (git still holds both sides), then git add "
                                    f"{FILE} and commit the fix")
    sandbox.git("checkout", "-m", FILE)
    assert sandbox.sealfile("decrypt", FILE).stdout == MERGED


def test_markers_committed_once_git_holds_no_sides_name_the_version_to_take_back(sandbox: Sandbox) -> None:
    _two_sides(sandbox)
    _text_merged(sandbox, "merge", "other")
    sandbox.git("add", FILE)
    sandbox.git("commit", "--no-verify", "-qm", "merged blind")
    sandbox.git("checkout", "-q", "other")  # the index rebuilt: git's record of the sides is gone
    sandbox.git("checkout", "-q", "main")
    merge = sandbox.git("rev-parse", "--short", "HEAD").stdout.strip()
    error = _error(sandbox)
    assert "git checkout -m" not in error.replace("('git checkout -m' would merge nothing)", ""), error
    assert f"take ours back (git checkout {merge}^1 -- {FILE})" in error, error
    assert f"git diff {merge}^1...{merge}^2 -- {FILE}" in error, error
    sandbox.git("checkout", f"{merge}^1", "--", FILE)
    assert sandbox.sealfile("decrypt", FILE).stdout == "a: one\nb: two-main\n"


def test_a_cherry_pick_stopped_on_markers_names_how_to_go_on(sandbox: Sandbox) -> None:
    _two_sides(sandbox)
    _text_merged(sandbox, "cherry-pick", "other")
    assert _error(sandbox).endswith(f"then: git checkout -m {FILE}, then git add {FILE} and git cherry-pick "
                                    "--continue")
    sandbox.git("checkout", "-m", FILE)
    assert sandbox.sealfile("decrypt", FILE).stdout == MERGED


def test_a_stash_pop_stopped_on_markers_names_the_stash_it_kept(sandbox: Sandbox) -> None:
    _two_sides(sandbox)
    sandbox.sealfile("set", FILE, "a", "stashed")
    sandbox.git("stash", "-q")
    sandbox.sealfile("set", FILE, "b", "two-later")
    sandbox.commit("later")
    _text_merged(sandbox, "stash", "pop")
    assert _error(sandbox).endswith(f"then: git checkout -m {FILE}, then git add {FILE}, and once it is right: "
                                    "git stash drop")
    sandbox.git("checkout", "-m", FILE)
    assert sandbox.sealfile("decrypt", FILE).stdout == "a: stashed\nb: two-later\n"

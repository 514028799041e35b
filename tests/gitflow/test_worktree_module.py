"""The drivers never run a ``sealfile`` committed to the repository (real git).

git runs the diff and merge drivers (and the hooks) at the top of the work tree, and ``python -m sealfile`` puts the
working directory first on ``sys.path``: a ``sealfile/__main__.py`` anyone who can push commits there ran in place
of sealfile at every ``git diff``, ``git log -p`` and merge of a sealed file, with the user's keys at hand. The
command ``git install`` writes keeps the working directory off ``sys.path`` (``-P``; on Python 3.10 a ``-c``
program that drops it), and a clone set up with the old command is told to run ``git install`` again.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from sealfile.gitflow.driver_commands import installation_command
from tests.gitflow.test_half_setups import FILE, _warnings
from tests.support.git import SEALFILE, Sandbox, seal_file

OLD_COMMAND = f"{shlex.quote(sys.executable)} -m sealfile"
"""What ``git install`` wrote before."""


def _plant(box: Sandbox) -> Path:
    """A ``sealfile`` package at the top of the work tree that leaves a mark when imported; the mark's path."""
    marker = box.root / "planted-code-ran"
    package = box.repo / "sealfile"
    package.mkdir()
    (package / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (package / "__main__.py").write_text("")
    return marker


@pytest.mark.parametrize("command", [SEALFILE, installation_command(sys.executable, False)],
                         ids=["this-python", "python-3.10-form"])
def test_git_diff_and_merge_never_run_a_committed_sealfile_package(sandbox: Sandbox, command: str) -> None:
    sandbox.sealfile("git", "install", "--command", command)
    seal_file(sandbox, FILE, "a: one\nb: two\n")
    sandbox.commit("secrets")
    marker = _plant(sandbox)
    sandbox.commit("a sealfile package of the repository's own")
    sandbox.diverge(lambda: sandbox.sealfile("set", FILE, "a", "uno"),
                    lambda: sandbox.sealfile("set", FILE, "b", "dos"))
    assert "+a: uno" in sandbox.git("log", "-p", "feature").stdout  # the diff driver ran, and decrypted
    sandbox.git("merge", "-q", "--no-edit", "feature")  # the merge driver merged both values
    assert sandbox.sealfile("decrypt", FILE).stdout == "a: uno\nb: dos\n"
    assert not marker.exists()


def test_a_clone_set_up_with_the_old_command_is_told_to_install_again(sandbox: Sandbox) -> None:
    sandbox.sealfile("git", "install", "--command", OLD_COMMAND)
    seal_file(sandbox, FILE, "a: one\n")
    sandbox.commit("secrets")
    [warning] = _warnings(sandbox)
    assert "imports sealfile from the top of the work tree first" in warning
    assert "run 'sealfile git install' again" in warning
    sandbox.sealfile("git", "install")  # the default command: this installation, safely
    assert _warnings(sandbox) == []
    marker = _plant(sandbox)
    sandbox.sealfile("set", FILE, "a", "uno")
    assert "+a: uno" in sandbox.git("diff").stdout
    assert not marker.exists()


@pytest.mark.parametrize(("command", "unsafe"), [
    ("/venv/bin/python -m sealfile", True),
    ("'/my venv/bin/python' -m sealfile", True),
    ("/venv/bin/python -P -m sealfile", False),
    ("/venv/bin/python -I -m sealfile", False),
    ("/venv/bin/python -BP -m sealfile", False),
    ("env PYTHONSAFEPATH=1 /venv/bin/python -m sealfile", False),
    ("/venv/bin/sealfile", False),  # a console script puts its own directory on sys.path
    ("/venv/bin/python -m other", False),
    (installation_command("/venv/bin/python", False), False),
])
def test_which_commands_import_from_the_work_tree(command: str, unsafe: bool) -> None:
    from sealfile.gitflow.driver_commands import imports_from_worktree

    assert imports_from_worktree(command) is unsafe


def test_a_sealed_file_named_like_an_option_is_diffed_and_merged(installed: Sandbox) -> None:
    """git names a work-tree file to textconv, and the merged file to the merge driver, as committed: a name
    starting with "-" was read as an option, and 'git diff' and 'git log -p' stopped ("unable to read files")."""
    name = "--x.enc.yaml"
    seal_file(installed, name, "a: one\nb: two\n")
    installed.commit("secrets")
    installed.diverge(lambda: installed.sealfile("set", "--", name, "a", "uno"),
                      lambda: installed.sealfile("set", "--", name, "b", "dos"))
    assert "+a: uno" in installed.git("log", "-p", "feature").stdout
    installed.git("merge", "-q", "--no-edit", "feature")
    assert installed.sealfile("decrypt", "--", name).stdout == "a: uno\nb: dos\n"
    installed.sealfile("set", "--", name, "a", "eins")
    assert "+a: eins" in installed.git("diff").stdout

"""The hooks ``sealfile git install`` writes refuse a blind commit of a conflict the merge driver left where git
replays commits and runs no ``pre-commit`` hook: ``rebase``, ``cherry-pick``, ``revert`` and ``am`` continued after
``git add FILE`` (real git; the sequencer runs ``prepare-commit-msg``, ``am`` runs ``pre-applypatch``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sealfile.gitflow.guard_hooks import HOOKS, MARK
from tests.support.git import SEALFILE, Sandbox, seal_file

FILE = "secrets.enc.yaml"


def _value(box: Sandbox, keypath: str, rev: str = "HEAD") -> str:
    text = box.git("show", f"{rev}:{FILE}").stdout
    return box.sealfile("decrypt", "--input-type", "yaml", "-", "--extract", keypath, stdin=text).stdout


def _stop_in_rebase(box: Sandbox) -> list[str]:
    assert box.git("rebase", "main", "feature", check=False).returncode != 0
    return ["rebase", "--continue"]


def _stop_in_cherry_pick(box: Sandbox) -> list[str]:
    assert box.git("cherry-pick", "feature", check=False).returncode != 0
    return ["cherry-pick", "--continue"]


def _stop_in_revert(box: Sandbox) -> list[str]:
    """A commit of main like feature's reverted after a later change of the password (a revert whose only change
    is its conflict commits nothing, and git says so itself)."""
    box.git("checkout", "-q", "main")
    box.git("checkout", "-q", "feature", "--", FILE, "notes.txt")
    box.commit("as feature")
    box.sealfile("set", FILE, "db.password", "later-pw")
    box.commit("later")
    assert box.git("revert", "--no-edit", "HEAD~1", check=False).returncode != 0
    return ["revert", "--continue"]


def _stop_in_am(box: Sandbox) -> list[str]:
    patch = box.root / "feature.patch"
    patch.write_text(box.git("format-patch", "-1", "--stdout", "feature").stdout)
    assert box.git("am", "-3", str(patch), check=False).returncode != 0
    return ["am", "--continue"]


STOPS: dict[str, Callable[[Sandbox], list[str]]] = {
    "rebase": _stop_in_rebase, "cherry-pick": _stop_in_cherry_pick, "revert": _stop_in_revert, "am": _stop_in_am}


def _diverged(box: Sandbox, *, only_change: bool) -> None:
    """``db.password`` changed differently on main and feature; feature also changes notes.txt, and, unless the
    conflict is to be its only change to the file, ``db.user``."""
    seal_file(box, FILE, "db:\n  password: base-pw\n  user: app\n")
    box.commit("base")

    def theirs() -> None:
        box.sealfile("set", FILE, "db.password", "theirs-pw")
        if not only_change:
            box.sealfile("set", FILE, "db.user", "feature-user")
        (box.repo / "notes.txt").write_text("theirs\n")

    box.diverge(theirs, lambda: box.sealfile("set", FILE, "db.password", "ours-pw"))


@pytest.mark.parametrize("only_change", [False, True], ids=["with-other-changes", "conflict-only-change"])
@pytest.mark.parametrize("flow", list(STOPS))
def test_a_blind_continue_is_refused_then_goes_on_once_resolved(installed: Sandbox, flow: str,
                                                                 only_change: bool) -> None:
    _diverged(installed, only_change=only_change)
    go_on = STOPS[flow](installed)
    head = installed.git("rev-parse", "HEAD").stdout
    installed.git("add", "-A")
    refused = installed.git("-c", "core.editor=true", *go_on, check=False)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    lines = [line for line in refused.stderr.splitlines() if line.startswith("sealfile: error:")]
    assert len(lines) == 1 and f"{FILE}: unresolved merge conflict at db.password" in lines[0], refused.stderr
    assert "sealfile git resolve" in lines[0]
    assert installed.git("rev-parse", "HEAD").stdout == head  # nothing committed
    installed.sealfile("set", FILE, "db.password", "chosen-pw")
    installed.git("add", FILE)
    done = installed.git("-c", "core.editor=true", *go_on, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _value(installed, "db.password") == "chosen-pw"


def test_install_writes_the_hooks_leaves_a_foreign_one_and_uninstall_removes_only_its_own(installed: Sandbox) -> None:
    hooks = installed.repo / ".git" / "hooks"
    assert all(MARK in (hooks / hook).read_text() for hook in HOOKS)
    (hooks / HOOKS[1]).write_text("#!/bin/sh\nexit 0\n")
    again = installed.sealfile("git", "install", "--command", SEALFILE)
    assert f"{hooks / HOOKS[1]} exists and is not sealfile's" in again.stderr
    installed.sealfile("git", "uninstall")
    assert not (hooks / HOOKS[0]).exists() and (hooks / HOOKS[1]).read_text() == "#!/bin/sh\nexit 0\n"

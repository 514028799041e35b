"""A pick whose only change to a sealed file is a conflict the merge driver left: a blind ``git add`` leaves the
pick with no change, and ``git rebase --continue`` drops it without running any hook that could refuse, so the
pick's value is in no commit (real git). The rebase's ``post-rewrite`` hook says so, ``sealfile check`` and the
next commit refuse until the value is set; ``--skip`` drops the pick on purpose and leaves nothing open."""

from __future__ import annotations

import pytest

from tests.support.git import Sandbox, seal_file

FILE = "secrets.enc.yaml"
REBASES = {"rebase": ("rebase", "main", "feature"), "rebase -i": ("-c", "sequence.editor=true", "rebase", "-i",
                                                                 "main", "feature")}


def _only_the_conflict(box: Sandbox) -> None:
    """feature's only change is db.password, which main changed differently."""
    seal_file(box, FILE, "db:\n  password: base-pw\n  user: app\n")
    box.commit("base")
    box.diverge(lambda: box.sealfile("set", FILE, "db.password", "theirs-pw"),
                lambda: box.sealfile("set", FILE, "db.password", "ours-pw"))


def _head(box: Sandbox) -> str:
    return box.git("rev-parse", "HEAD").stdout


@pytest.mark.parametrize("flow", list(REBASES))
def test_a_pick_dropped_as_empty_is_named_and_the_next_commit_refused(installed: Sandbox, flow: str) -> None:
    _only_the_conflict(installed)
    assert installed.git(*REBASES[flow], check=False).returncode != 0
    installed.git("add", "-A")
    ended = installed.git("-c", "core.editor=true", "rebase", "--continue")
    assert f"sealfile: warning: {FILE}: the rebase ended with this file still holding a conflict" in ended.stderr
    assert "unresolved merge conflict at db.password" in ended.stderr
    # no merge is in progress: the index holds no side to take back, so only what works here is named
    assert "git checkout" not in ended.stderr and f"sealfile edit {FILE}" in ended.stderr
    assert installed.sealfile("check", check=False).returncode == 3
    head = _head(installed)
    for verify in ([], ["--no-verify"]):  # no merge in progress: only a replay leaves a conflict open here
        refused = installed.git("commit", "--allow-empty", "-m", "next", *verify, check=False)
        assert refused.returncode != 0 and f"{FILE}: unresolved merge conflict at db.password" in refused.stderr
        assert "git checkout" not in refused.stderr and f"sealfile git resolve {FILE}" in refused.stderr
        assert _head(installed) == head
    installed.sealfile("set", FILE, "db.password", "theirs-pw")
    installed.commit("set again")
    assert installed.sealfile("check", check=False).returncode == 0
    assert installed.sealfile("decrypt", FILE, "--extract", "db.password").stdout == "theirs-pw"


@pytest.mark.parametrize("flow", [*REBASES, "cherry-pick"])
def test_a_pick_skipped_leaves_no_conflict_open(installed: Sandbox, flow: str) -> None:
    _only_the_conflict(installed)
    start = ("cherry-pick", "feature") if flow == "cherry-pick" else REBASES[flow]
    assert installed.git(*start, check=False).returncode != 0
    skipped = installed.git(start[-2] if flow == "cherry-pick" else "rebase", "--skip")
    assert "sealfile" not in skipped.stderr
    assert installed.sealfile("check", check=False).returncode == 0
    installed.git("commit", "--allow-empty", "-m", "next")


STOPPING = {"cherry-pick": (("cherry-pick", "feature"), ("cherry-pick", "--continue")),
            "rebase --apply": (("rebase", "--apply", "main", "feature"), ("rebase", "--continue"))}


@pytest.mark.parametrize("flow", list(STOPPING))
def test_an_empty_pick_git_stops_at_cannot_be_committed_anyway(installed: Sandbox, flow: str) -> None:
    """git stops a cherry-pick (and a rebase of the apply backend, which runs 'git am') left empty itself;
    committing it anyway (--allow-empty) is refused."""
    _only_the_conflict(installed)
    start, go_on = STOPPING[flow]
    assert installed.git(*start, check=False).returncode != 0
    installed.git("add", "-A")
    assert installed.git("-c", "core.editor=true", *go_on, check=False).returncode != 0
    refused = installed.git("commit", "--allow-empty", "-m", "anyway", check=False)
    assert refused.returncode != 0 and f"{FILE}: unresolved merge conflict at db.password" in refused.stderr


@pytest.mark.parametrize("side", ["ours", "theirs"])
def test_while_the_merge_is_in_progress_the_side_named_can_be_taken(installed: Sandbox, side: str) -> None:
    """Staged ('git add'), the file has no stages left: 'git checkout --ours' alone would take what the index
    holds, the conflict. The command named takes the side back, run as written (real git)."""
    seal_file(installed, FILE, "db:\n  password: base-pw\n  user: app\n")
    installed.commit("base")
    installed.diverge(lambda: [installed.sealfile("set", FILE, "db.password", "theirs-pw"),
                               installed.sealfile("set", FILE, "db.user", "theirs-user")],
                      lambda: installed.sealfile("set", FILE, "db.password", "ours-pw"))
    assert installed.git("merge", "--no-edit", "feature", check=False).returncode != 0
    installed.git("add", FILE)
    said = installed.sealfile("check", check=False).stderr
    named = f"git checkout -m {FILE}, then git checkout --ours/--theirs {FILE}"
    assert named in said
    installed.git("checkout", "-m", FILE)
    installed.git("checkout", f"--{side}", FILE)
    installed.git("add", FILE)
    assert installed.sealfile("check", check=False).returncode == 0
    assert installed.sealfile("decrypt", FILE, "--extract", "db.password").stdout == f"{side}-pw"

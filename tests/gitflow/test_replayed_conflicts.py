"""A conflict met while git replays commits (rebase, cherry-pick, ``stash pop``) with the sealfile driver:
in a rebase git's "ours" is the branch rebased onto and the commit of whoever resolves is "theirs", so
the driver says whose value the file kept; the resolution it names ends with the value chosen (real git)."""

from __future__ import annotations

import pytest

from tests.support.git import Sandbox, seal_file

FILE = "app.enc.yaml"


def _conflicting(box: Sandbox) -> None:
    """main and ``mine`` each set ``smtp`` differently (``mine`` also sets ``port``); ``mine`` is checked out."""
    seal_file(box, FILE, "smtp: s-0\nport: 1\n")
    box.commit("secrets")
    box.git("checkout", "-q", "-b", "mine")
    box.sealfile("set", FILE, "smtp", "s-mine")
    box.sealfile("set", FILE, "port", "2")
    box.commit("mine")
    box.git("checkout", "-q", "main")
    box.sealfile("set", FILE, "smtp", "s-main")
    box.commit("main")
    box.git("checkout", "-q", "mine")


def test_a_rebase_conflict_says_the_file_kept_the_upstream_value_not_yours(installed: Sandbox) -> None:
    _conflicting(installed)
    stopped = installed.git("rebase", "main", check=False)
    assert stopped.returncode != 0
    said = stopped.stdout + stopped.stderr
    assert (f"sealfile: {FILE}: the file keeps the value of the branch being rebased onto (git's 'ours' in a "
            "rebase) at those paths") in said
    assert f"sealfile: {FILE}: see theirs (your commit being replayed) with: git show :3:{FILE} |" in said
    assert installed.sealfile("decrypt", FILE, "--extract", "smtp").stdout == "s-main"
    assert installed.sealfile("decrypt", FILE, "--extract", "port").stdout == "2"
    theirs = installed.git("show", f":3:{FILE}").stdout
    assert installed.sealfile("decrypt", "--input-type", "yaml", "-", "--extract", "smtp",
                              stdin=theirs).stdout == "s-mine"
    installed.sealfile("set", FILE, "smtp", "s-mine")
    installed.git("add", FILE)
    installed.git("-c", "core.editor=true", "rebase", "--continue")
    assert [installed.sealfile("decrypt", FILE, "--extract", key).stdout for key in ("smtp", "port")] == ["s-mine", "2"]


@pytest.mark.parametrize("how", ["merge", "cherry-pick"])
def test_a_merge_or_cherry_pick_conflict_keeps_calling_the_checked_out_value_ours(installed: Sandbox, how: str) -> None:
    _conflicting(installed)
    stopped = installed.git(how, "main", check=False)
    assert stopped.returncode != 0
    said = stopped.stdout + stopped.stderr
    assert f"sealfile: {FILE}: the file keeps our value at those paths" in said
    assert f"sealfile: {FILE}: see theirs with: git show :3:{FILE} |" in said
    assert installed.sealfile("decrypt", FILE, "--extract", "smtp").stdout == "s-mine"

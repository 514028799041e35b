"""``review`` in a shallow clone (``git clone --depth N``, CI's ``fetch-depth``): the history it searches
for older ciphertexts and data keys, and for keys a commit of the range added and a later one removed,
stops at the cut, so what it would find there goes unseen: the review says so instead of passing
as if it had looked."""

from __future__ import annotations

import json

from sealfile.gitflow.gitcli import fork_point
from tests.gitflow.test_returned_keys import _rotation_after_a_leaver
from tests.support.git import Sandbox, seal_file

CUT = "a shallow clone"


def _shallow_clone(box: Sandbox, depth: int) -> Sandbox:
    where = box.root / f"depth-{depth}-{len(list(box.root.glob('depth-*')))}"
    box.git("clone", "-q", "--no-local", "--depth", str(depth), "--no-single-branch", str(box.repo), str(where))
    return Sandbox(box.root, where, box.env, box.recipient)


def test_a_review_in_a_shallow_clone_says_what_it_could_not_search(sandbox: Sandbox) -> None:
    rotation = _rotation_after_a_leaver(sandbox, "prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    sandbox.git("checkout", "-q", "-b", "revert-rotation")
    sandbox.git("revert", "--no-edit", rotation)
    full = sandbox.sealfile("review", "main", "revert-rotation", env=sandbox.keyless_env())
    assert f"set back to one this file had until {rotation[:12]}" in full.stdout
    assert CUT not in full.stdout

    shallow = _shallow_clone(sandbox, 1)
    done = shallow.sealfile("review", "origin/main", "origin/revert-rotation", env=shallow.keyless_env())
    assert "set back to one" not in done.stdout  # the rotation's commit is past the cut
    attention = done.stdout.split("NEEDS ATTENTION:")[1].split("\n\n")[0]
    assert [line for line in attention.splitlines() if CUT in line] == [
        "  a shallow clone: the history before its cut is not searched (older ciphertexts and data keys set back, "
        "keys a commit added and a later one removed); fetch it first: git fetch --unshallow (actions/checkout: "
        "fetch-depth: 0)"]
    report = json.loads(shallow.sealfile("review", "origin/main", "origin/revert-rotation", "--format", "json",
                                         env=shallow.keyless_env()).stdout)
    assert report["history_cut"] is True
    markdown = shallow.sealfile("review", "origin/main", "origin/revert-rotation", "--format", "markdown",
                                env=shallow.keyless_env()).stdout
    assert CUT in markdown


def test_a_branch_behind_base_is_not_read_as_undoing_it_past_the_cut(sandbox: Sandbox) -> None:
    seal_file(sandbox, "prod.enc.yaml", "db:\n  password: first-pw\n")
    sandbox.commit("base")
    sandbox.diverge(lambda: seal_file(sandbox, "stage.enc.yaml", "db:\n  password: stage-pw\n"),
                    lambda: sandbox.sealfile("set", "prod.enc.yaml", "db.password", "second-pw"))
    full = sandbox.sealfile("review", "main", "feature", env=sandbox.keyless_env()).stdout
    assert "stage.enc.yaml (added)" in full and "prod.enc.yaml" not in full  # main's change is not the branch's

    cut = _shallow_clone(sandbox, 1)
    done = cut.sealfile("review", "origin/main", "origin/feature", check=False, env=cut.keyless_env())
    assert done.returncode != 0 and "prod.enc.yaml" not in done.stdout
    assert done.stderr.strip().splitlines()[-1:] == [
        "sealfile: error: no merge base of origin/main and origin/feature in this shallow clone (its history is cut): "
        "origin/feature's own changes cannot be told from origin/main's that it lacks; fetch the history first: "
        "git fetch --unshallow (actions/checkout: fetch-depth: 0)"]

    sandbox.git("checkout", "-q", "-b", "merged", "main")  # what CI checks out for a pull request: its merge
    sandbox.git("merge", "-q", "--no-ff", "--no-edit", "feature")
    merged = _shallow_clone(sandbox, 1)  # the merge names base's tip as its parent, past the cut
    shown = merged.sealfile("review", "origin/main", "origin/merged", env=merged.keyless_env()).stdout
    assert "stage.enc.yaml (added)" in shown and "prod.enc.yaml" not in shown

    deep_enough = _shallow_clone(sandbox, 2)  # the fork is within the history fetched: counted from there
    shown = deep_enough.sealfile("review", "origin/main", "origin/feature", env=deep_enough.keyless_env()).stdout
    assert "stage.enc.yaml (added)" in shown and "prod.enc.yaml" not in shown


def test_base_a_parent_past_the_cut_is_found_among_many_cut_commits(sandbox: Sandbox) -> None:
    """A merge of 24 branches fetched 2 deep is cut at 24 commits; the one made on base's tip is read last (the
    oldest): only 20 were read, and the review refused to tell the branch's changes from base's."""
    seal_file(sandbox, "prod.enc.yaml", "db:\n  password: first-pw\n")
    sandbox.commit("base")
    root = sandbox.git("rev-parse", "HEAD").stdout.strip()
    sandbox.git("commit", "-q", "--allow-empty", "-m", "main moves on")
    branches = []
    for n in range(24):  # the first on main's tip, the oldest; the others on the root, newer
        sandbox.git("checkout", "-q", "-b", f"b{n}", "main" if n == 0 else root)
        (sandbox.repo / f"f{n}.txt").write_text(f"{n}\n")
        sandbox.git("add", "-A")
        dated = {**sandbox.env, "GIT_COMMITTER_DATE": f"{1_700_000_000 + n} +0000"}
        sandbox.git("commit", "-q", "-m", f"b{n}", env=dated)
        branches.append(f"b{n}")
    sandbox.git("checkout", "-q", "-b", "merged", "b0")
    sandbox.git("merge", "-q", "--no-edit", *branches[1:])
    sandbox.git("branch", "-q", "-D", *branches)  # fetched, each would be read past the merge's cut
    cut = _shallow_clone(sandbox, 2)
    assert len((cut.repo / ".git" / "shallow").read_text().split()) > 20
    assert fork_point("origin/main", "origin/merged", cut.repo) == "origin/main"

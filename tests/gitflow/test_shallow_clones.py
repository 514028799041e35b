"""``review`` in a shallow clone (``git clone --depth N``, CI's ``fetch-depth``): the history it searches
for older ciphertexts and data keys, and for keys a commit of the range added and a later one removed,
stops at the cut, so what it would find there goes unseen: the review says so instead of passing
as if it had looked."""

from __future__ import annotations

import json

from tests.gitflow.test_returned_keys import _rotation_after_a_leaver
from tests.support.git import Sandbox

CUT = "a shallow clone"


def _shallow_clone(box: Sandbox, depth: int) -> Sandbox:
    where = box.root / f"depth-{depth}"
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

"""``review`` in a partial clone (``git clone --filter=blob:none``, as CI clones a large repository): the older
versions its searches of the history read are not there, and git fetched them one ``git fetch`` per commit it
searched (a round trip each to a real server). The review fetches them at once, and says the same as in a
full clone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.git import Sandbox, seal_file

COMMITS = 12
FILES = 6


def _fetches(trace: Path) -> int:
    """The ``git fetch`` processes git's trace2 events record (git runs a lazy one as ``git -c ... fetch``)."""
    starts = [json.loads(line)["argv"] for line in trace.read_text().splitlines() if '"event":"start"' in line]
    return sum(1 for argv in starts if "fetch" in argv[1:4])


def _partial_clone(box: Sandbox) -> Sandbox:
    bare = box.root / "server.git"
    box.git("clone", "-q", "--bare", str(box.repo), str(bare))
    box.git("-C", str(bare), "config", "uploadpack.allowFilter", "true")
    where = box.root / "partial"
    box.git("clone", "-q", "--filter=blob:none", f"file://{bare}", str(where))
    return Sandbox(box.root, where, box.env, box.recipient)


def test_a_review_in_a_partial_clone_fetches_what_it_searches_at_once(sandbox: Sandbox) -> None:
    for n in range(COMMITS):
        seal_file(sandbox, "prod.enc.yaml", f"db:\n  password: pw-{n}\n")
        seal_file(sandbox, "stage.enc.yaml", f"db:\n  password: st-{n}\n")
        (sandbox.repo / "notes.txt").write_text(f"note {n}\n")
        sandbox.commit(f"version {n}")
    sandbox.git("checkout", "-q", "-b", "feature")
    for n in range(3):
        seal_file(sandbox, "prod.enc.yaml", f"db:\n  password: new-{n}\n")
        sandbox.commit(f"feature {n}")
    sandbox.git("checkout", "-q", "main")
    full = sandbox.sealfile("review", "main", "feature", "--format", "json", env=sandbox.keyless_env()).stdout

    partial = _partial_clone(sandbox)
    missing = partial.git("rev-list", "--objects", "--missing=print", "--all").stdout.count("\n?")
    assert missing >= 2 * COMMITS  # the older versions of both sealed files are not in the clone
    trace = sandbox.root / "trace2.json"
    done = partial.sealfile("review", "origin/main", "origin/feature", "--format", "json",
                            env={**partial.keyless_env(), "GIT_TRACE2_EVENT": str(trace)})
    assert _fetches(trace) == 1
    shown = json.loads(done.stdout)
    assert {**shown, "base": "main", "head": "feature"} == json.loads(full)
    again = sandbox.root / "again.json"  # what was fetched stays: nothing more to fetch
    partial.sealfile("review", "origin/main", "origin/feature", env={**partial.keyless_env(),
                                                                     "GIT_TRACE2_EVENT": str(again)})
    assert _fetches(again) == 0


@pytest.mark.parametrize("command", [["review", "origin/main", "origin/feature"],
                                     ["diff", "--git", "origin/main..origin/feature"],
                                     ["diff", "--git", "origin/feature"], ["check"]])
def test_a_partial_clone_whose_remote_is_gone_fails_saying_the_history_could_not_be_read(
        sandbox: Sandbox, command: list[str]) -> None:
    """A version git cannot fetch is no file that is absent: read so, a change reads as a deletion and every search
    of the history finds nothing, and the command passes."""
    for n in range(3):
        seal_file(sandbox, "prod.enc.yaml", f"db:\n  password: pw-{n}\n")
        sandbox.commit(f"version {n}")
    sandbox.git("checkout", "-q", "-b", "feature")
    seal_file(sandbox, "prod.enc.yaml", "db:\n  password: new\n")
    sandbox.commit("feature")
    sandbox.git("checkout", "-q", "main")
    partial = _partial_clone(sandbox)
    (sandbox.root / "server.git").rename(sandbox.root / "unreachable.git")
    done = partial.sealfile(*command, check=False, env=partial.keyless_env())
    assert done.returncode not in (0, 3), done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "the history could not be read" in lines[0], done.stderr
    assert "make the remote reachable" in lines[0] and "deleted" not in done.stdout


@pytest.mark.parametrize("head", ["origin/feature", None], ids=["two-revisions", "work-tree"])
def test_diff_in_a_partial_clone_fetches_the_versions_it_reads_at_once(sandbox: Sandbox, head: str | None) -> None:
    """``diff --git`` reads each changed file's two versions one at a time: git fetched each missing one with a
    ``git fetch`` of its own."""
    names = [f"svc{n}.enc.yaml" for n in range(FILES)]
    for name in names:
        seal_file(sandbox, name, "db:\n  password: old\n")
    sandbox.commit("base")
    sandbox.git("checkout", "-q", "-b", "feature")
    for name in names:
        seal_file(sandbox, name, "db:\n  password: new\n")
    sandbox.commit("feature")
    sandbox.git("checkout", "-q", "main")
    full = sandbox.sealfile("diff", "--git", "main..feature").stdout
    partial = _partial_clone(sandbox)
    rev = "origin/feature" if head is None else f"origin/main..{head}"  # feature against main's work tree
    trace = sandbox.root / "diff-trace.json"
    done = partial.sealfile("diff", "--git", rev, env={**partial.env, "GIT_TRACE2_EVENT": str(trace)})
    assert _fetches(trace) == 1
    if head is not None:
        assert done.stdout == full
    assert done.stdout.count("db.password") == FILES

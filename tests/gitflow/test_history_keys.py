"""Keys a change's history adds and a later commit removes, hidden from the search of its commits
(``sealfile.gitflow.history_keys``): a file git calls binary, a merge that adds the file itself, a name ending in a
carriage return, a file padded past the size sealfile reads, more commits than one review reads. Real git, the real
CLI; the set-up of ``test_committed_keys``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.gitflow.test_committed_keys import _base, _secret_lines
from tests.support.git import Sandbox

HIDDEN = ["a NUL byte", "a binary attribute", "a merge", "a carriage return ending its name", "padding"]


def _add_then_remove(box: Sandbox, hidden: str, data: bytes) -> str:
    """Commit ``data`` hidden as ``hidden`` says, then remove it; the commit that added it."""
    name = "keys.txt\r" if hidden == "a carriage return ending its name" else "keys.txt"
    if hidden == "a NUL byte":
        data = b"\0\n" + data
    elif hidden == "padding":
        data = b"#" * 20000 + b"\n" + data
    elif hidden == "a binary attribute":
        (box.repo / ".gitattributes").write_text("keys.txt -diff binary\n")
    if hidden == "a merge":  # the merge's own change, in neither parent
        box.git("checkout", "-q", "-b", "side")
        (box.repo / "side.txt").write_text("side\n")
        box.commit("side")
        box.git("checkout", "-q", "main")
        (box.repo / "main.txt").write_text("main\n")
        box.commit("main")
        box.git("merge", "-q", "--no-commit", "side")
    (box.repo / name).write_bytes(data)
    box.commit("keys")
    added = box.git("rev-parse", "HEAD").stdout.strip()
    (box.repo / name).unlink()
    box.commit("remove the keys")
    return added


@pytest.mark.parametrize("hidden", HIDDEN)
def test_a_key_added_then_removed_is_named_however_the_commit_hides_it(sandbox: Sandbox, hidden: str) -> None:
    _base(sandbox)
    base = sandbox.git("rev-parse", "HEAD").stdout.strip()
    own = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]).read_text()
    added = _add_then_remove(sandbox, hidden, own.encode())
    done = sandbox.sealfile("review", base, "HEAD", check=False, env={**sandbox.keyless_env(),
                                                                      "SEALFILE_MAX_FILE_MB": "0.01"})
    assert done.returncode == 3, done.stdout
    violations = done.stdout.split("NEEDS ATTENTION:")[0]
    assert f"in commit {added[:12]}, removed since but in the history this change pushes" in violations
    expected = ("a private key's marker in a file larger than" if hidden == "padding"
                else f"an age identity (of {sandbox.recipient})")
    assert expected in violations
    for line in _secret_lines(own):
        assert line not in done.stdout


def test_a_key_in_a_file_whose_name_ends_in_a_carriage_return_fails_the_review(sandbox: Sandbox) -> None:
    """``git cat-file --batch`` takes ``keys.txt\\r`` for ``keys.txt`` (a line's CR LF ending), which is absent."""
    _base(sandbox)
    own = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]).read_text()
    (sandbox.repo / "keys.txt\r").write_text(own)
    sandbox.commit("keys")
    status, shown = sandbox.review_last()
    assert status == 3 and f"an age identity (of {sandbox.recipient})" in shown.split("NEEDS ATTENTION:")[0], shown


def test_more_commits_adding_markers_than_one_review_reads_fail_it(sandbox: Sandbox,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The key's commit buried under newer ones that each add a marker line: past the bound the review fails
    instead of passing what it did not read."""
    from sealfile.gitflow import history_keys
    from sealfile.gitflow.committed_keys import review_keys

    _base(sandbox)
    own = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]).read_text()
    (sandbox.repo / "keys.txt").write_text(own)
    sandbox.commit("keys")
    (sandbox.repo / "keys.txt").unlink()
    sandbox.commit("remove")
    for index in range(3):
        (sandbox.repo / "notes.md").write_text(f"grep for 'PRIVATE KEY-----' {index}\n")
        sandbox.commit(f"note {index}")
    monkeypatch.setattr(history_keys, "MAX_COMMITS", 3)
    violations, _ = review_keys("HEAD~5", "HEAD", sandbox.repo, {}, lambda path: False)
    assert violations == ["HEAD~5..HEAD: not reviewed: 2 more of its commits add a private key's marker than the 3 "
                          "one review reads (review the change in parts)"]


def test_a_key_body_swapped_between_kept_armor_lines_then_put_back_is_named(sandbox: Sandbox) -> None:
    """No line of the swap holds a marker, so git's search of the commits' lines picked neither commit: the
    commits changing a file that holds a marker at base or head are read too."""
    _base(sandbox)
    for name in ("old", "new"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(sandbox.root / name)],
                       check=True)
    old, new = ((sandbox.root / name).read_text() for name in ("old", "new"))
    (sandbox.repo / "deploy_key").write_text(old)
    sandbox.commit("a deploy key")
    base = sandbox.git("rev-parse", "HEAD").stdout.strip()
    (sandbox.repo / "deploy_key").write_text(new)
    sandbox.commit("swap")
    swapped = sandbox.git("rev-parse", "HEAD").stdout.strip()
    (sandbox.repo / "deploy_key").write_text(old)
    sandbox.commit("put back")
    done = sandbox.sealfile("review", base, "HEAD", check=False, env=sandbox.keyless_env())
    assert f"in commit {swapped[:12]}, removed since but in the history this change pushes" in done.stdout, done.stdout
    for line in _secret_lines(new):
        assert line not in done.stdout

"""``review`` and ``diff --git`` on files that moved or went away, with real git: a move is one file
compared with where it came from, so only what really changed is flagged; a deleted file takes
nobody's access away."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sealfile.kms.age import generate_identity
from tests.support.git import Sandbox, seal_file

FILE = "prod.enc.yaml"
MOVED = "config dir/prod ü.enc.yaml"


def _base(box: Sandbox) -> None:
    # Enough values that a move with a few changes stays mostly the same text: git pairs a move by content.
    services = "".join(f"service_{i}:\n  token: t-{i}\n" for i in range(30))
    seal_file(box, FILE, f"db:\n  password: s3cret-a91\n  user: app\n  host_unencrypted: db.local\n{services}")
    box.commit("base")


def _move(box: Sandbox, to: str = MOVED) -> None:
    (box.repo / to).parent.mkdir(parents=True, exist_ok=True)
    box.git("mv", FILE, to)


def test_a_moved_file_is_not_a_recipient_change(sandbox: Sandbox) -> None:
    _base(sandbox)
    _move(sandbox)
    sandbox.commit("move")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", "--fail-on-recipient-change", check=False,
                            env=sandbox.keyless_env())
    assert done.returncode == 0, done.stdout
    assert "RECIPIENTS CHANGED" not in done.stdout
    assert f"{MOVED} (unchanged, renamed from {FILE})" in done.stdout
    assert ": ENC#" not in done.stdout  # no value shown as removed and added again


def test_a_moved_file_shows_what_changed_with_it(sandbox: Sandbox) -> None:
    _base(sandbox)
    _move(sandbox)
    _, intruder = generate_identity()
    sandbox.sealfile("recipients", "add", MOVED, "--age", intruder)
    sandbox.sealfile("set", MOVED, "db.user", "other")
    sandbox.commit("move, add a key, change a value")
    report = json.loads(sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json",
                                         env=sandbox.keyless_env()).stdout)
    assert report["recipient_changes"] == [f"{MOVED}: ADDED age {intruder}"]
    [moved] = report["files"]
    assert moved["diff"]["renamed_from"] == FILE
    assert [v["keypath"] for v in moved["diff"]["values"]] == ["db.user"]
    diff = sandbox.sealfile("diff", "--git", "HEAD~1..HEAD", env=sandbox.keyless_env()).stdout
    assert diff.splitlines()[0] == f"{MOVED} (modified, renamed from {FILE})"
    assert "  ~ db.user: ENC#" in diff and "db.password" not in diff and "service_" not in diff


def test_a_deleted_file_takes_nobodys_access_away(sandbox: Sandbox) -> None:
    _base(sandbox)
    sandbox.git("rm", "-q", FILE)
    sandbox.commit("delete")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", "--fail-on-recipient-change", check=False,
                            env=sandbox.keyless_env())
    assert done.returncode == 0, done.stdout
    assert f"{FILE} (deleted)" in done.stdout
    assert "RECIPIENTS CHANGED" not in done.stdout and "sealfile rotate" not in done.stdout


def test_a_file_moved_out_of_the_sealed_patterns_is_reviewed_as_deleted_and_flagged(sandbox: Sandbox) -> None:
    _base(sandbox)
    _move(sandbox, "prod.yaml")
    sandbox.commit("move out")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout  # git merges it as text from now on, and no check holds it sealed
    assert f"{FILE} (deleted)" in done.stdout
    assert (f"{FILE}: moved to prod.yaml, which the sealed_files patterns do not cover: nothing checks that it "
            "stays sealed") in done.stdout


def test_a_symbolic_link_at_a_sealed_path_is_named_as_one(sandbox: Sandbox) -> None:
    """git stores a link's target, not a file: the review says so, rather than that the target's
    name is not a mapping."""
    seal_file(sandbox, "prod.enc.yaml", "password: p-1\n")
    sandbox.commit("base")
    (sandbox.repo / "staging.enc.yaml").symlink_to("../plain/staging.yaml")
    sandbox.commit("a link")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3
    assert ("staging.enc.yaml: a symbolic link (to ../plain/staging.yaml), not a sealed file: git stores the link; "
            "nothing sealed is reviewed") in done.stdout
    assert "staging.enc.yaml (added)" in done.stdout


def test_diff_names_a_symbolic_link_as_review_does(sandbox: Sandbox) -> None:
    """One meaning: ``diff --git`` (between revisions and against the working tree) says what ``review``
    says of a link at a sealed path, not that the target's name is no mapping."""
    seal_file(sandbox, "prod.enc.yaml", "password: p-1\n")
    seal_file(sandbox, "dev.enc.yaml", "password: d-1\n")
    sandbox.commit("base")
    (sandbox.repo / "prod.enc.yaml").unlink()
    (sandbox.repo / "prod.enc.yaml").symlink_to("dev.enc.yaml")
    said = ("prod.enc.yaml: a symbolic link (to dev.enc.yaml), not a sealed file: git stores the link; "
            "nothing sealed is reviewed")
    worktree = sandbox.sealfile("diff", "--git", "HEAD", env=sandbox.keyless_env())
    sandbox.commit("a link")
    assert said in sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env()).stdout
    between = sandbox.sealfile("diff", "--git", "HEAD~1..HEAD", env=sandbox.keyless_env())
    for done in (worktree, between):
        assert done.stdout == f"prod.enc.yaml (modified)\n  ! {said.split(': ', 1)[1]}\n"


def test_a_submodule_at_a_sealed_path_fails_the_review(sandbox: Sandbox, tmp_path: Path) -> None:
    """A file replaced by a submodule is not deleted: whatever the other repository holds there is neither
    reviewed nor checked. review fails it, and diff and check say the same."""
    seal_file(sandbox, "prod.enc.yaml", "password: p-1\n")
    sandbox.commit("base")
    other = tmp_path / "other"
    other.mkdir()
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "other"]):
        subprocess.run(["git", *args], cwd=other, env=sandbox.env, check=True)
    sandbox.git("rm", "-q", "prod.enc.yaml")
    sandbox.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(other), "prod.enc.yaml")
    sandbox.commit("a submodule")
    said = ("a submodule (another repository's commit), not a sealed file: nothing in it is reviewed or "
            "checked here")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3 and f"prod.enc.yaml: {said}" in done.stdout
    report = sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json", check=False).stdout
    assert json.loads(report)["ok"] is False
    diff = sandbox.sealfile("diff", "--git", "HEAD~1..HEAD", env=sandbox.keyless_env())
    assert diff.stdout == f"prod.enc.yaml (modified)\n  ! {said}\n"
    check = sandbox.sealfile("check", check=False, env=sandbox.keyless_env())
    assert check.returncode == 3 and "internal error" not in check.stderr, check.stderr
    assert check.stderr == f"sealfile: error: prod.enc.yaml: {said}\n"


def test_a_submodule_that_replaces_a_directory_of_sealed_files_fails_the_review(sandbox: Sandbox,
                                                                               tmp_path: Path) -> None:
    """prod/ made a submodule: its sealed files are gone from this repository and come from another one's
    commit, which nothing here reviews. review showed 'prod/prod.enc.yaml (deleted)' and passed."""
    seal_file(sandbox, f"prod/{FILE}", "password: p-1\n")
    sandbox.commit("base")
    other = tmp_path / "other"
    other.mkdir()
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "other"]):
        subprocess.run(["git", *args], cwd=other, env=sandbox.env, check=True)
    sandbox.git("rm", "-rq", "prod")
    sandbox.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(other), "prod")
    sandbox.commit("a submodule")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout
    assert (f"prod/{FILE}: replaced by the submodule prod (another repository's commit): nothing in it is "
            "reviewed or checked here") in done.stdout


def test_a_link_that_replaces_a_directory_of_sealed_files_fails_the_review(sandbox: Sandbox) -> None:
    """prod -> staging: readers of prod/prod.enc.yaml get staging's file, signed by a trusted signer for
    staging's values. review showed 'prod/prod.enc.yaml (deleted)' and passed."""
    seal_file(sandbox, f"prod/{FILE}", "password: p-1\n")
    seal_file(sandbox, f"staging/{FILE}", "password: s-1\n")
    sandbox.commit("base")
    sandbox.git("rm", "-rq", "prod")
    (sandbox.repo / "prod").symlink_to("staging")
    sandbox.git("add", "prod")
    sandbox.commit("a link")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout
    assert (f"prod/{FILE}: replaced by the symbolic link prod (to staging): readers read the files it leads to, "
            "which this review does not show") in done.stdout

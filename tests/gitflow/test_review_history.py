"""``review BASE HEAD`` of what the change's own commits wrote and a later commit changed again: whoever fetches the
branch gets every commit, so a leak undone before the head is still pushed (``sealfile.gitflow.range_versions``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sealfile.gitflow import range_versions
from sealfile.gitflow.review import review
from sealfile.kms.age import generate_identity
from tests.support.git import Sandbox, seal_file, section

FILE = "prod.enc.yaml"
PLAIN = "db:\n  password: s3cret-a91\n  user: app\n  host_unencrypted: db.local\n"


def _base(box: Sandbox) -> None:
    seal_file(box, FILE, PLAIN)
    box.commit("base")


def _review(box: Sandbox, base: str = "HEAD~2") -> tuple[int, str]:
    done = box.sealfile("review", base, "HEAD", check=False, env=box.keyless_env())
    return done.returncode, done.stdout


def _commit_of(box: Sandbox, rev: str) -> str:
    return box.git("rev-parse", rev).stdout.strip()[:12]


def test_a_recipient_added_and_removed_again_is_named_with_its_commit(sandbox: Sandbox) -> None:
    _base(sandbox)
    _, intruder = generate_identity()
    sandbox.sealfile("recipients", "add", FILE, "--age", intruder)
    sandbox.commit("add a key")
    sandbox.sealfile("recipients", "remove", FILE, "--age", intruder)  # no rotation: the intruder keeps the key
    sandbox.commit("remove it again")
    status, shown = _review(sandbox)
    assert status == 3, shown
    line = (f"{FILE}: in commit {_commit_of(sandbox, 'HEAD~1')}, changed since but in the history this change "
            f"pushes: ADDED age {intruder}")
    assert line in section(shown, "!!! RECIPIENTS CHANGED !!!") and line in section(shown, "POLICY VIOLATIONS:")
    report = json.loads(sandbox.sealfile("review", "HEAD~2", "HEAD", "--format", "json", check=False).stdout)
    assert report["ok"] is False and report["history"] == [line]


def test_a_sealed_file_committed_decrypted_and_sealed_back_fails(sandbox: Sandbox) -> None:
    _base(sandbox)
    original = (sandbox.repo / FILE).read_text()
    (sandbox.repo / FILE).write_text(PLAIN)
    sandbox.commit("decrypted")
    (sandbox.repo / FILE).write_text(original)  # the head is the base again: the two trees are alike
    sandbox.commit("sealed back")
    status, shown = _review(sandbox)
    assert status == 3, shown
    assert f"{FILE}: in commit {_commit_of(sandbox, 'HEAD~1')}, changed since but in the history this change " \
           "pushes: NOT SEALED" in shown
    assert "s3cret" not in shown


def test_a_decrypted_copy_added_and_removed_again_fails(sandbox: Sandbox) -> None:
    _base(sandbox)
    (sandbox.repo / "prod.yaml").write_text(PLAIN)
    sandbox.commit("a copy")
    (sandbox.repo / "prod.yaml").write_text("db:\n  user: app\n")  # changed again (a later commit deletes it)
    sandbox.commit("less of it")
    (sandbox.repo / "prod.yaml").unlink()
    sandbox.commit("gone")
    status, shown = _review(sandbox, "HEAD~3")
    assert status == 3, shown
    assert (f"prod.yaml: in commit {_commit_of(sandbox, 'HEAD~2')}, changed since but in the history this change "
            f"pushes: holds every key path of {FILE} in plaintext") in shown
    assert "s3cret" not in shown


def test_a_recipient_a_merge_commit_adds_is_reviewed(sandbox: Sandbox) -> None:
    _base(sandbox)
    _, intruder = generate_identity()
    sandbox.git("checkout", "-q", "-b", "side")
    (sandbox.repo / "side.txt").write_text("x\n")
    sandbox.commit("side")
    sandbox.git("checkout", "-q", "main")
    (sandbox.repo / "main.txt").write_text("x\n")
    sandbox.commit("main")
    sandbox.git("merge", "-q", "--no-commit", "side")
    sandbox.sealfile("recipients", "add", FILE, "--age", intruder)  # a change of the merge's own
    sandbox.commit("merge")
    _, shown = _review(sandbox)
    assert f"{FILE}: ADDED age {intruder}" in shown

    sandbox.sealfile("recipients", "remove", FILE, "--age", intruder)
    sandbox.commit("and gone again")
    status, shown = _review(sandbox, "HEAD~3")
    assert status == 3, shown
    assert f"in commit {_commit_of(sandbox, 'HEAD~1')}, changed since but in the history this change pushes: " \
           f"ADDED age {intruder}" in shown


def test_versions_of_the_history_count_against_the_review_budget(sandbox: Sandbox) -> None:
    _base(sandbox)
    seal_file(sandbox, "big.enc.yaml", "".join(f"key{k}: v{k}\n" for k in range(400)))
    sandbox.commit("a big file")
    (sandbox.repo / "big.enc.yaml").unlink()
    sandbox.commit("gone again")
    env = {**sandbox.keyless_env(), "SEALFILE_REVIEW_MAX_MB": "0.001"}
    done = sandbox.sealfile("review", "HEAD~2", "HEAD", check=False, env=env)
    assert done.returncode == 3, done.stdout
    assert "big.enc.yaml: in commit" in done.stdout and "not reviewed: the sealed files of this change" in done.stdout


def test_commits_past_those_one_review_reads_fail_it(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    _base(sandbox)
    for value in ("a", "b", "c"):
        sandbox.sealfile("set", FILE, "db.user", value)
        sandbox.commit(f"user {value}")
    for name, value in sandbox.keyless_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(range_versions, "MAX_COMMITS", 1)
    result = review("HEAD~3", "HEAD", sandbox.repo)
    assert result.violations == [f"{result.fork or result.base}..HEAD: not reviewed: 1 more of its commits write "
                                 "versions of files that neither end of the change holds than the 1 one review "
                                 "reads (review the change in parts)"]


def test_each_commit_of_the_change_lists_the_whole_tree_at_most_once(sandbox: Sandbox, tmp_path: Path) -> None:
    """Whoever writes the change chooses how many files the tree holds and how many commits rewrite a file: each
    commit's review listed the whole tree four times (the case check, the patterns of its parent, of itself and of
    the base, each again per commit), 1,000 commits of a 32,000-file tree kept a review busy for over an hour."""
    _base(sandbox)
    for count in (4, 12):
        for i in range(count):
            (sandbox.repo / "notes.txt").write_text(f"step {count} {i}\n")
            sandbox.commit(f"step {i}")
        (sandbox.repo / "notes.txt").write_text("done\n")
        sandbox.commit("done")
        shim, log = tmp_path / f"shim{count}", tmp_path / f"git{count}.log"
        shim.mkdir()
        (shim / "git").write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {shutil.which("git")} "$@"\n')
        (shim / "git").chmod(0o755)
        env = {**sandbox.keyless_env(), "PATH": f"{shim}{os.pathsep}{sandbox.env['PATH']}"}
        sandbox.sealfile("review", f"HEAD~{count + 1}", "HEAD", check=False, env=env)
        listings = [line for line in log.read_text().splitlines() if "ls-tree -r" in line]
        assert len(listings) <= count + 6, len(listings)  # one per commit (its own patterns), and the ends'


def test_a_replace_ref_the_clone_fetched_does_not_show_the_review_another_commit(sandbox: Sandbox) -> None:
    """``refs/replace/`` is pushable, and a mirror clone fetches it: git would then read a benign commit of the
    attacker's choosing wherever the pushed one is named, in that clone only (every other clone merges the pushed
    one)."""
    _base(sandbox)
    sandbox.git("checkout", "-q", "-b", "benign")
    sandbox.sealfile("set", FILE, "db.user", "app2")
    sandbox.commit("benign")
    sandbox.git("checkout", "-q", "-b", "evil", "HEAD~1")
    (sandbox.repo / FILE).write_text(PLAIN)  # the secrets, decrypted
    sandbox.commit("evil")
    sandbox.git("replace", "evil", "benign")
    done = sandbox.sealfile("review", "HEAD~1", "evil", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3 and f"{FILE}: NOT SEALED" in done.stdout, done.stdout
    shown = subprocess.run(["git", "show", f"evil:{FILE}"], cwd=sandbox.repo, capture_output=True, text=True,
                           check=True, env=sandbox.env).stdout
    assert "s3cret-a91" not in shown  # git itself, replacements on, shows the benign commit's file


def test_a_name_holding_a_colon_and_space_is_named_whole(sandbox: Sandbox) -> None:
    """The finding's file was taken up to its first ": ": ``prod.enc.yaml: ok.enc.yaml`` read as
    ``prod.enc.yaml``, the commit put inside the name, so the line blamed another file."""
    _base(sandbox)
    name = f"{FILE}: ok.enc.yaml"
    (sandbox.repo / name).write_text(PLAIN)
    sandbox.commit("a leak")
    (sandbox.repo / name).unlink()
    sandbox.commit("gone again")
    status, shown = _review(sandbox)
    assert status == 3, shown
    assert f"  {name}: in commit {_commit_of(sandbox, 'HEAD~1')}, changed since but in the history this change " \
           "pushes: NOT SEALED" in shown, shown

"""``sealfile check`` guards what ``git commit`` takes (the index), not only the working copy: a plain
``.git/hooks/pre-commit`` running it sees the working tree, where a staged plaintext may already be
sealed again."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.git import Sandbox, seal_file


def _plain_hook(box: Sandbox) -> None:
    hook = box.repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec '{sys.executable}' -m sealfile check\n")
    hook.chmod(0o755)


@pytest.mark.parametrize("name", ["prod.enc.yaml", "cfg/app.enc.json", ".env.enc"])
def test_plaintext_staged_then_sealed_in_place_is_refused_by_a_plain_hook(sandbox: Sandbox, name: str) -> None:
    _plain_hook(sandbox)
    plaintext = {"prod.enc.yaml": "password: staged-leak-41\n", "cfg/app.enc.json": '{"password": "staged-leak-41"}\n',
                 ".env.enc": "PASSWORD=staged-leak-41\n"}[name]
    (sandbox.repo / name).parent.mkdir(exist_ok=True)
    (sandbox.repo / name).write_text(plaintext)
    sandbox.git("add", name)
    sandbox.sealfile("encrypt", "-i", "--age", sandbox.recipient, name)  # the working copy is sealed, the index is not

    done = sandbox.git("commit", "-q", "-m", "secrets", check=False)
    assert done.returncode != 0
    assert (f"sealfile: error: {name} (staged version): NOT SEALED" in done.stderr
            and f"stage it: git add {name}" in done.stderr), done.stderr
    assert "staged-leak-41" not in done.stderr + done.stdout
    assert sandbox.git("rev-parse", "--verify", "-q", "HEAD", check=False).returncode != 0  # nothing committed

    sandbox.git("add", name)
    sandbox.git("commit", "-q", "-m", "secrets")
    assert "staged-leak-41" not in sandbox.git("show", f"HEAD:{name}").stdout


def test_an_unstaged_change_or_crlf_checkout_is_no_finding(sandbox: Sandbox) -> None:
    seal_file(sandbox, "a.enc.yaml", "password: x-42\n")
    sandbox.commit("sealed")
    sandbox.git("config", "core.autocrlf", "true")
    (sandbox.repo / "a.enc.yaml").unlink()
    sandbox.git("checkout", "--", "a.enc.yaml")
    assert b"\r\n" in (sandbox.repo / "a.enc.yaml").read_bytes()
    assert sandbox.sealfile("check").stderr == ""
    sandbox.sealfile("set", "a.enc.yaml", "password", "y-43")  # changed, not staged: the index holds a sealed file
    assert sandbox.sealfile("check", "a.enc.yaml").stderr == ""


def test_a_file_in_conflict_is_checked_once(installed: Sandbox) -> None:
    seal_file(installed, "a.enc.yaml", "password: base\n")
    installed.commit("base")
    installed.git("checkout", "-q", "-b", "other")
    installed.sealfile("set", "a.enc.yaml", "password", "theirs")
    installed.commit("theirs")
    installed.git("checkout", "-q", "main")
    installed.sealfile("set", "a.enc.yaml", "password", "ours")
    installed.commit("ours")
    assert installed.git("merge", "other", check=False).returncode != 0
    assert installed.sealfile("check").stderr == ""  # one file: no summary line


def test_a_file_staged_in_part_is_refused_by_a_plain_hook(sandbox: Sandbox) -> None:
    """'git add -p' taking a value's line but not the 'mac' line: the working copy is whole, the index not."""
    _plain_hook(sandbox)
    seal_file(sandbox, "a.enc.yaml", "password: old-44\ntoken: t\n")
    sandbox.commit("sealed")
    sandbox.sealfile("set", "a.enc.yaml", "password", "new-45")
    patch = sandbox.git("diff", "--no-textconv", "-U0", "a.enc.yaml").stdout
    head, first, *_ = patch.split("\n@@")
    assert patch.count("\n@@") == 2  # the value's line and the mac line
    done = subprocess.run(["git", "apply", "--cached", "--unidiff-zero", "-"], cwd=sandbox.repo, env=sandbox.env,
                          input=f"{head}\n@@{first}\n", text=True, capture_output=True)
    assert done.returncode == 0, done.stderr

    committed = sandbox.git("commit", "-q", "-m", "part", check=False)
    assert committed.returncode != 0
    assert committed.stderr.splitlines()[0] == (
        "sealfile: error: a.enc.yaml (staged version): the file MAC does not match: the file was altered or damaged; "
        "staged in part ('git add -p' takes value lines without the 'mac' line)? stage the whole file: git add "
        "a.enc.yaml")


def test_a_file_added_with_intent_to_add_is_judged_by_its_working_copy(sandbox: Sandbox) -> None:
    """'git add -N' stages an empty placeholder, which git does not commit: it is no staged version."""
    seal_file(sandbox, "a.enc.yaml", "password: x-46\n")
    sandbox.git("add", "-N", "a.enc.yaml")
    assert sandbox.sealfile("check").stderr == ""
    (sandbox.repo / "a.enc.yaml").write_text("password: plain-47\n")
    done = sandbox.sealfile("check", check=False)
    assert done.returncode == 3 and done.stderr.startswith("sealfile: error: a.enc.yaml: NOT SEALED")

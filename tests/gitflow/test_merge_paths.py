"""The merge driver on the paths real merges hand it: a file one branch moved into a directory the
other branch's checkout does not have, names with spaces and non-ASCII letters."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from sealfile.errors import ConflictMarkersError
from tests.support.git import Sandbox, scan_for, seal_file

FILE = "secrets.enc.yaml"


def test_a_file_moved_into_a_new_directory_on_one_branch_merges_with_a_value_set_on_the_other(
        installed: Sandbox) -> None:
    box = installed
    moved = "prod configs/ü secrets.enc.yaml"
    seal_file(box, FILE, "db:\n  password: base-pw\napi:\n  token: base-token\n")
    box.commit("secrets")
    box.git("checkout", "-q", "-b", "move")
    (box.repo / "prod configs").mkdir()
    box.git("mv", FILE, moved)
    box.sealfile("set", moved, "api.token", "moved-token-41")
    box.commit("move and change the token")
    box.git("checkout", "-q", "main")
    box.sealfile("set", FILE, "db.password", "main-pw-42")
    box.commit("change the password")
    assert not (box.repo / "prod configs").exists()  # git merges before it creates the directory

    merge = box.git("merge", "--no-edit", "move", check=False)
    assert merge.returncode == 0, merge.stdout + merge.stderr
    assert box.sealfile("decrypt", moved).stdout == "db:\n  password: main-pw-42\napi:\n  token: moved-token-41\n"
    assert scan_for(box.root / "tmp", ["main-pw-42", "moved-token-41"]) == []


@pytest.mark.parametrize(("name", "plaintext", "key"), [
    ("config files/app ü.enc.json", '{\n  "token": "base-token"\n}\n', "token"),
    ("config files/.env.enc", "TOKEN=base-token\n", "TOKEN"),
])
def test_a_conflict_prints_commands_that_work_when_pasted(installed: Sandbox, name: str, plaintext: str,
                                                          key: str) -> None:
    box = installed
    seal_file(box, name, plaintext)
    box.commit("secrets")
    box.git("checkout", "-q", "-b", "feature")
    box.sealfile("set", name, key, "theirs-token-51")
    box.commit("theirs")
    box.git("checkout", "-q", "main")
    box.sealfile("set", name, key, "ours-token-52")
    box.commit("ours")

    merge = box.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode != 0 and f"sealfile: {name}: CONFLICT at {key}" in merge.stderr
    commands = dict(line.split(" with: ", 1) for line in merge.stderr.splitlines() if " with: " in line)
    see_theirs = commands[f"sealfile: {name}: see theirs"]
    shown = subprocess.run(["sh", "-c", f"{see_theirs} --extract {key}"], cwd=box.repo, env=box.env,
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "theirs-token-51\n"
    fix = commands[f"sealfile: {name}: fix"]
    assert fix.startswith("sealfile edit ") and shlex.split(fix.split(" && ")[0])[2] == name


def test_the_recovery_command_for_a_text_merged_file_quotes_its_name() -> None:
    error = ConflictMarkersError(3).in_file("prod configs/it's.enc.yaml")
    command = str(error).split("then: ", 1)[1]
    assert shlex.split(command) == ["git", "checkout", "-m", "prod configs/it's.enc.yaml"]

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
    locks = box.root / "home" / ".cache" / "sealfile" / "locks"
    held_before = sorted(locks.iterdir())

    merge = box.git("merge", "--no-edit", "move", check=False)
    assert merge.returncode == 0, merge.stdout + merge.stderr
    assert sorted(locks.iterdir()) == held_before  # no lock file named after git's temporary copy, left behind
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
    assert shown.stdout == "theirs-token-51"
    fix = commands[f"sealfile: {name}: fix"]
    assert fix.startswith("sealfile edit ") and shlex.split(fix.split(" && ")[0])[2] == name


def test_the_recovery_command_for_a_text_merged_file_quotes_its_name() -> None:
    error = ConflictMarkersError(3).in_file("prod configs/it's.enc.yaml")
    command = str(error).split("then: ", 1)[1]
    assert shlex.split(command) == ["git", "checkout", "-m", "prod configs/it's.enc.yaml"]


def test_the_merge_driver_trusts_what_the_config_near_the_merged_file_trusts(installed: Sandbox) -> None:
    """git hands the driver temporary copies at the top of the repository; the ``trust:`` of the
    ``.sealfile.yaml`` governing the merged path applies, as for every other command on that path."""
    box = installed
    (box.repo / "svc").mkdir()
    (box.repo / "svc" / ".sealfile.yaml").write_text('trust:\n  hosts: ["127.0.0.2:9"]\n')
    sealed = seal_file(box, "svc/app.enc.yaml", "token: base-token\n").read_text()
    vault = ("  recipients:\n    - type: hc_vault_transit\n      vault_address: http://127.0.0.2:9\n"
             "      engine_path: transit\n      key_name: app\n      wrapped: vault:v1:AAAA\n")
    start, end = sealed.index("  recipients:\n"), sealed.index("  unencrypted_suffix:")
    for name in ("base", "ours", "theirs"):
        (box.repo / f".merge_file_{name}").write_text(sealed[:start] + vault + sealed[end:])
    done = box.sealfile("git", "merge-driver", ".merge_file_base", ".merge_file_ours", ".merge_file_theirs",
                        "svc/app.enc.yaml", check=False, env={**box.env, "VAULT_TOKEN": "dummy-token",
                                                              "SEALFILE_KMS_TIMEOUT": "2"})
    assert done.returncode != 0  # nothing listens there: the point is that it was allowed to try
    assert "127.0.0.2:9" in done.stderr and "not trusted" not in done.stderr, done.stderr

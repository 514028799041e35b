"""The merge driver on the paths real merges hand it: a file one branch moved into a directory the
other branch's checkout does not have, names with spaces and non-ASCII letters."""

from __future__ import annotations

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

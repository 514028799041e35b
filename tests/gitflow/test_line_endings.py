"""A clone with ``core.autocrlf=true`` (the Windows default): git checks sealed files out with CRLF
and stores them with LF. Changing and merging them there must leave the same files a LF clone would."""

from __future__ import annotations

import pytest

from tests.support.git import Sandbox, seal_file

FILES = {
    "secrets.enc.yaml": ("db:\n  password: base-pw\n  user: app\n", "db.user", "db.password",
                         "db:\n  password: main-pw\n  user: crlf-user\n"),
    "app.enc.json": ('{\n  "user": "app",\n  "password": "base-pw"\n}\n', "user", "password",
                     '{\n  "user": "crlf-user",\n  "password": "main-pw"\n}\n'),
    ".env.enc": ("USER=app\n# the database\nPASSWORD=base-pw\n", "USER", "PASSWORD",
                 "USER=crlf-user\n# the database\nPASSWORD=main-pw\n"),
}


@pytest.mark.parametrize("name", list(FILES))
def test_a_crlf_clone_changes_and_merges_sealed_files_as_a_lf_clone_does(installed: Sandbox, name: str) -> None:
    plaintext, crlf_key, main_key, merged = FILES[name]
    seal_file(installed, name, plaintext)
    installed.commit("secrets")
    target = installed.root / "crlf-clone"
    installed.git("clone", "-q", "-c", "core.autocrlf=true", str(installed.repo), str(target))
    clone = Sandbox(installed.root, target, installed.env, installed.recipient)
    clone.sealfile("git", "install")
    assert b"\r\n" in (target / name).read_bytes()  # checked out with CRLF

    clone.sealfile("set", name, crlf_key, "crlf-user")
    clone.git("commit", "-q", "-am", "from the CRLF clone")
    stored = clone.git("show", f"HEAD:{name}").stdout
    assert stored.count("sealfile metadata") <= 1 and "\r" not in stored
    installed.sealfile("set", name, main_key, "main-pw")
    installed.commit("from the LF clone")

    clone.git("pull", "-q", "--no-rebase", "--no-edit")
    assert clone.sealfile("decrypt", name).stdout.replace("\r\n", "\n") == merged
    stored = clone.git("show", f"HEAD:{name}").stdout
    assert stored.count("sealfile metadata") <= 1 and "\r" not in stored
    installed.git("pull", "-q", str(target), "main")
    assert installed.sealfile("decrypt", name).stdout == merged

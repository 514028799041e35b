"""A team half on SOPS: one clone converts a file (``import-sops -i``) and changes it with sealfile while
another still changes the SOPS file with the real ``sops``; ``git merge`` either way through the merge
driver gives the sealed file with both changes (a conflict, without the driver: every line of a SOPS
file changes when it is converted). Two SOPS versions are not merged here, and the driver says so."""

from __future__ import annotations

import pytest

from tests.support.git import Sandbox

FILE = "config/app.enc.yaml"  # a name SOPS teams use, covered by the default sealed_files patterns
PLAIN = "db:\n  user: admin\n  since: 2024-05-01\napi:\n  token: t1\n  port: 80\n"



def _written_by_sops(box: Sandbox) -> None:
    (box.repo / "config").mkdir()
    (box.repo / FILE).write_text(PLAIN)
    box.sops("encrypt", "--age", box.recipient, "-i", FILE)
    box.commit("as sops wrote it")


@pytest.fixture
def diverged(installed: Sandbox) -> Sandbox:
    """main: the SOPS file, then a ``sops set``; branch ``moved``: the file imported, then a ``sealfile set``."""
    _written_by_sops(installed)
    installed.diverge(lambda: (installed.sealfile("import-sops", "-i", FILE),
                               installed.sealfile("set", FILE, "db.user", "root")),
                      lambda: installed.sops("set", FILE, '["api"]["token"]', '"t2"'), branch="moved")
    return installed


def _merged(box: Sandbox) -> str:
    text = (box.repo / FILE).read_text()
    assert "sealfile:" in text and "sops:" not in text  # a sealed file
    return box.sealfile("decrypt", FILE).stdout


@pytest.mark.parametrize("on", ["main", "moved"])
def test_a_sops_change_and_a_sealed_change_merge(diverged: Sandbox, on: str) -> None:
    diverged.git("checkout", "-q", on)
    done = diverged.git("merge", "--no-edit", "main" if on == "moved" else "moved", check=False)
    assert done.returncode == 0 and "CONFLICT" not in done.stdout, done.stdout + done.stderr
    assert _merged(diverged) == ("db:\n    user: root\n    since: 2024-05-01T00:00:00Z\n"
                                 "api:\n    token: t2\n    port: 80\n")


def test_the_same_value_changed_both_ways_is_a_conflict_on_the_sealed_side(diverged: Sandbox) -> None:
    diverged.sops("set", FILE, '["db"]["user"]', '"sops-user"')
    diverged.commit("sops changes the user too")
    done = diverged.git("merge", "--no-edit", "moved", check=False)
    assert done.returncode != 0 and "CONFLICT at db.user" in done.stderr, done.stderr
    assert "keeps theirs' value" in done.stderr
    assert "user: root" in _merged(diverged)


def test_two_sops_versions_are_left_to_sops(installed: Sandbox) -> None:
    _written_by_sops(installed)
    installed.diverge(lambda: installed.sops("set", FILE, '["db"]["user"]', '"root"'),
                      lambda: installed.sops("set", FILE, '["api"]["token"]', '"t2"'), branch="other")
    done = installed.git("merge", "--no-edit", "other", check=False)
    assert done.returncode != 0
    assert "ours and theirs are SOPS files" in done.stderr and "by hand: sops edit" in done.stderr, done.stderr
    assert "sealfile edit" not in done.stderr

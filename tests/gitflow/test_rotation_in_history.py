"""A rotation seen through the diff driver (real git): ``git log -p`` shows that the data key changed."""

from __future__ import annotations

from tests.support.git import Sandbox, seal_file

FILE = "secrets.enc.yaml"


def test_git_log_shows_a_rotation(installed: Sandbox) -> None:
    seal_file(installed, FILE, "db:\n  password: pw-91\n")
    installed.commit("secrets")
    installed.sealfile("rotate", FILE)
    installed.commit("rotate")
    shown = installed.git("show", "--format=", "HEAD").stdout
    assert "password: pw-91" not in shown  # no value changed
    changed = [line for line in shown.splitlines() if line.startswith(("-#   age ", "+#   age "))]
    assert len(changed) == 2 and changed[0][1:].split(" (")[0] == changed[1][1:].split(" (")[0], shown

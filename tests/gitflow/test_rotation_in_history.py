"""A rotation in history (real git): ``git log -p`` shows that the data key changed, and ``git rebase`` (so
``git pull --rebase``) keeps a rotation made after removing someone onto an upstream that rotated too while
that person was still a recipient (the merge driver had kept upstream's key, the commit became empty and
git dropped it)."""

from __future__ import annotations

from sealfile.kms.age import generate_identity
from tests.support.git import Sandbox, seal_file

FILE = "secrets.enc.yaml"


def _stanza_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("        ") and "AGE ENCRYPTED" not in line]


def test_git_log_shows_a_rotation(installed: Sandbox) -> None:
    seal_file(installed, FILE, "db:\n  password: pw-91\n")
    installed.commit("secrets")
    installed.sealfile("rotate", FILE)
    installed.commit("rotate")
    shown = installed.git("show", "--format=", "HEAD").stdout
    assert "password: pw-91" not in shown  # no value changed
    changed = [line for line in shown.splitlines() if line.startswith(("-#   age ", "+#   age "))]
    assert len(changed) == 2 and changed[0][1:].split(" (")[0] == changed[1][1:].split(" (")[0], shown


def test_a_rebase_keeps_a_rotation_that_follows_a_removal(installed: Sandbox) -> None:
    _, leaver = generate_identity()
    seal_file(installed, FILE, "db:\n  password: pw-91\n")
    installed.sealfile("recipients", "add", "--age", leaver, FILE)
    installed.commit("secrets, for two")
    base = installed.git("rev-parse", "HEAD").stdout.strip()
    installed.git("checkout", "-q", "-b", "upstream")
    installed.sealfile("rotate", FILE)  # a routine rotation: the leaver still holds its data key
    installed.commit("routine rotation")
    upstream = (installed.repo / FILE).read_text()
    installed.git("checkout", "-q", "-b", "mine", base)
    installed.sealfile("recipients", "remove", "--age", leaver, FILE)
    installed.commit("remove the leaver")
    installed.sealfile("rotate", FILE)
    installed.commit("rotate them out")

    installed.git("rebase", "-q", "upstream")

    subjects = installed.git("log", "--format=%s", "upstream..HEAD").stdout.split("\n")
    assert "rotate them out" in subjects, subjects  # not dropped as 'patch contents already upstream'
    rebased = (installed.repo / FILE).read_text()
    assert not set(_stanza_lines(rebased)) & set(_stanza_lines(upstream))  # not the data key the leaver had
    assert installed.sealfile("decrypt", FILE, "--extract", "db.password").stdout == "pw-91"

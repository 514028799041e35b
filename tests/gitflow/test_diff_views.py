"""``git diff`` through the installed textconv driver: decrypted for key holders, redacted otherwise."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from sealfile.gitflow.sealed import fingerprint
from sealfile.gitflow.textconv import redact, textconv
from sealfile.kms.age import AgeKey
from tests.support.fast_path import age_key, seal
from tests.support.git import Sandbox, seal_file

__all__ = ["age_key"]

FILE = "app.enc.yaml"
PLAIN = "db:\n  # who connects\n  user: app\n  password: old-secret-31c\n  host_unencrypted: db.local\n"


def _changed(installed: Sandbox) -> Sandbox:
    seal_file(installed, FILE, PLAIN)
    installed.commit("base")
    installed.sealfile("set", FILE, "db.password", "new-secret-8d2")
    return installed


def test_git_diff_with_a_key_shows_decrypted_changes(installed: Sandbox) -> None:
    box = _changed(installed)
    out = box.git("diff").stdout
    assert "-  password: old-secret-31c" in out
    assert "+  password: new-secret-8d2" in out
    assert "ENC[" not in out and "wrapped" not in out
    assert re.findall(r"^[+-] ", out, re.MULTILINE) == ["- ", "+ "]  # nothing else changed
    box.commit("rotate the password")
    assert "+  password: new-secret-8d2" in box.git("log", "-p", "-1").stdout


def test_git_diff_without_a_key_shows_a_redacted_view(installed: Sandbox) -> None:
    box = _changed(installed)
    diff = box.git("diff", "-U50", env=box.keyless_env())
    assert diff.returncode == 0
    out = diff.stdout
    assert "old-secret" not in out and "new-secret" not in out
    changed = [line for line in out.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) == 2 and all(re.fullmatch(r"[+-]  password: ENC#[0-9a-f]{10}", line) for line in changed)
    assert f"#   age {box.recipient}" in out  # the recipient list is part of the view (context line)
    assert "redacted view: no local key to decrypt" in out


def test_redacted_view_keeps_layout_and_fingerprints_each_token(installed: Sandbox) -> None:
    sealed = seal_file(installed, FILE, PLAIN).read_text()
    view = textconv(sealed, decrypt=False)
    assert "# who connects" in view
    assert "host_unencrypted: db.local" in view
    assert "sealfile:" not in view.splitlines() and "BEGIN AGE" not in view
    token = re.search(r"password: (ENC\[[^\]]+\])", sealed)
    assert token is not None
    assert f"password: ENC#{fingerprint(token.group(1))}" in view
    assert f"#   age {installed.recipient}" in view
    assert redact("not: sealed\n") == "not: sealed\n"


def test_textconv_never_fails(installed: Sandbox) -> None:
    assert textconv("{ not yaml") == "{ not yaml"
    assert textconv("plain: file\n") == "plain: file\n"
    broken = installed.root / "broken.enc.yaml"
    broken.write_bytes(b"\xff\xfe binary")
    done = subprocess.run([sys.executable, "-m", "sealfile", "git", "textconv", str(broken)],
                          env=installed.env, capture_output=True)
    assert done.returncode == 0 and done.stdout == b"\xff\xfe binary"
    tampered = seal_file(installed, FILE, PLAIN).read_text().replace("  mac: ", "  mac: AAAA")
    (installed.repo / FILE).write_text(tampered)
    out = installed.sealfile("git", "textconv", FILE).stdout
    assert "INTEGRITY CHECK FAILED" in out and "old-secret" not in out
    assert installed.sealfile("git", "textconv", "missing.enc.yaml").returncode == 0


def test_textconv_shows_the_file_redacted_when_its_policy_cannot_be_read(
        installed: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever goes wrong finding whom to trust, 'git diff' goes on: nothing decrypted, one note."""
    from click.testing import CliRunner

    from sealfile.cli.app import cli
    from sealfile.ops import signatures

    sealed = seal_file(installed, FILE, PLAIN)

    def unreadable(file: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(signatures, "for_file", unreadable)
    done = CliRunner().invoke(cli, ["git", "textconv", str(sealed)], env=installed.env)
    assert done.exit_code == 0, done.output
    assert done.output.startswith("# sealfile: not decrypted: PermissionError\n")
    assert "old-secret" not in done.output and "ENC#" in done.output


REDACTED_LAYOUTS = {
    "indented top level": "  a: s3cr3t-a1\n  b: s3cr3t-b2\n  # trailing comment\n",
    "several documents": "---\na: s3cr3t-a1\n---\nb: s3cr3t-b2\n",
    "CRLF, a comment after the metadata": "a: s3cr3t-a1\r\nb: s3cr3t-b2\r\n# end\r\n",
    "no final line break": "a: s3cr3t-a1\nlist:\n  - s3cr3t-b2",
    "flow values and plaintext kept": "a: {x: s3cr3t-a1, y_unencrypted: shown}\nb: [s3cr3t-b2]\n",
    "byte-order mark": "\ufeffa: s3cr3t-a1\nb: s3cr3t-b2\n",
}


@pytest.mark.parametrize("plaintext", REDACTED_LAYOUTS.values(), ids=REDACTED_LAYOUTS.keys())
def test_redacted_view_is_the_plaintext_with_a_fingerprint_for_each_secret(plaintext: str, age_key: AgeKey) -> None:
    """The view is cut as ``decrypt`` cuts the file: the metadata block goes wherever it stands, every
    other byte stays."""
    view = redact(seal(plaintext, age_key))
    expected = re.sub(r"s3cr3t\\-[ab][12]", lambda _: "ENC#[0-9a-f]{10}", re.escape(plaintext))
    assert re.fullmatch(expected, view), view


def test_a_file_the_redaction_cannot_cut_is_shown_as_written(age_key: AgeKey) -> None:
    """A hand-made or hostile file whose metadata key does not start its line reads as sealed, but its
    block cannot be cut: the view is the text as committed, never an error that fails 'git log -p'."""
    sealed = seal("a: s3cr3t-a1\n", age_key)
    hostile = sealed.replace("sealfile:", "? sealfile\n:", 1)
    assert redact(hostile) == hostile
    view = textconv(hostile, decrypt=False)
    assert view.startswith(hostile.rstrip("\n")) and "# (the file as written" not in view
    assert "s3cr3t" not in view


@pytest.mark.parametrize("plaintext", [
    "l:\n  - |+\n    a\n  \n", "l:\n  - |+\n    a\n\n\n", "l:\n  - |+\n", "k: |+\n  a\n\n",
])
def test_the_decrypted_view_holds_the_file_s_data(plaintext: str, age_key: AgeKey) -> None:
    """The footer came after a blank line, and the body's final line breaks were cut: a block scalar that
    keeps them (``|+``) showed one line break more or fewer than the file holds."""
    from sealfile.model.scalars import same_data
    from sealfile.stores.yaml.reader import load_fast

    view = textconv(seal(plaintext, age_key))
    assert view.endswith("# (decrypted view)\n"), view
    assert same_data(load_fast(view), load_fast(plaintext)), view

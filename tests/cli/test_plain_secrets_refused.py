"""A rule that leaves a secret in plaintext, pushed by someone else, does not make the user's writes plaintext.

Whoever can push can add ``unencrypted_regex: .`` to a creation rule, or seal a file so for the team's public keys.
The next ``encrypt``, ``edit`` or ``set`` of a ``password`` then wrote it in plaintext, into a file its user commits
as sealed (``set`` said only ``db.password set``); `review` failed the change, after the push. Now each writer
refuses in one line naming the file, the key path and the rule, and writes nothing: the rule is review's
(``gitflow/plain_secrets.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

REFUSAL = ("named like a secret, and the file's rule (unencrypted_regex: .) would leave it in plaintext: nothing "
           "written (review fails such a change); seal it under a rule that encrypts it, or name it otherwise")


def _loose_rule(tmp_path: Path, recipient: str) -> None:
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: \\.enc\\.yaml$\n"
                                             f"    age: [{recipient}]\n    unencrypted_regex: .\n")


def _forged(run_cli: RunCli, tmp_path: Path, recipient: str) -> Path:
    """A file the attacker sealed, with the team's public key only, under a rule sealing nothing."""
    (tmp_path / "plain.yaml").write_text("db:\n  host: db.internal\n")
    done = run_cli("encrypt", "--age", recipient, "--unencrypted-regex", ".", "plain.yaml", "-o", "prod.enc.yaml",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path / "prod.enc.yaml"


def test_encrypt_under_a_pushed_rule_refuses_to_write_a_password_in_plaintext(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    _loose_rule(tmp_path, age_identity.recipient)
    (tmp_path / "app.yaml").write_text("db:\n  host: db.internal\n  password: hunter2\n")
    done = run_cli("encrypt", "app.yaml", "-o", "app.enc.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"sealfile: error: app.yaml: db.password: {REFUSAL}"]
    assert not (tmp_path / "app.enc.yaml").exists() and "hunter2" not in done.stdout


def test_set_in_a_file_sealed_by_someone_else_refuses_a_plaintext_secret(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    sealed = _forged(run_cli, tmp_path, age_identity.recipient)
    before = sealed.read_bytes()
    done = run_cli("set", sealed, "db.password", "hunter2")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"sealfile: error: {sealed}: db.password: {REFUSAL}"]
    assert sealed.read_bytes() == before
    subtree = run_cli("set", "--type", "yaml", sealed, "stripe", "{secret_key: sk_live_1, mode: live}")
    assert subtree.returncode == 1 and "stripe.secret_key: named like a secret" in subtree.stderr
    assert sealed.read_bytes() == before
    plain = run_cli("set", sealed, "db.port", "5432")  # what the rule is for: values that are not secrets
    assert plain.returncode == 0, plain.stderr
    assert "port: '5432'" in sealed.read_text() or "port: \"5432\"" in sealed.read_text()


@pytest.mark.parametrize("new_file", [False, True], ids=["existing", "new"])
def test_edit_refuses_a_plaintext_secret_and_keeps_the_file(run_cli: RunCli, age_identity: AgeIdentity,
                                                            tmp_path: Path, new_file: bool) -> None:
    if new_file:
        _loose_rule(tmp_path, age_identity.recipient)
        sealed = tmp_path / "new.enc.yaml"
    else:
        sealed = _forged(run_cli, tmp_path, age_identity.recipient)
    before = sealed.read_bytes() if sealed.exists() else None
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'w').write('db:\\n  host: h\\n  password: hunter2\\n')\n")
    done = run_cli("edit", sealed, env={"EDITOR": f"{sys.executable} {editor}"}, cwd=tmp_path)
    assert done.returncode != 0
    assert done.stderr.splitlines() == [f"sealfile: error: {sealed}: db.password: edited text: {REFUSAL}; the sealed "
                                        "file was not changed"]
    assert "hunter2" not in done.stderr + done.stdout
    assert (sealed.read_bytes() if sealed.exists() else None) == before

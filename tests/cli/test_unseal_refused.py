"""A rule someone else wrote does not make the user's writes unseal a value; a fresh secret it leaves plain is told.

Whoever can push can add ``unencrypted_regex: .`` to a creation rule, or seal a file so for the team's public keys
with token-shaped values that read as plaintext. ``set``/``edit`` of ``db.password`` in such a file, or ``encrypt
--previous`` under a loosened rule, wrote it in plaintext, exit 0 (``set`` said only ``db.password set``). Now they
refuse in one line naming the file, the key path and the rule, and write nothing, unless ``--unseal``. A fresh
encryption is written as its rule says (SOPS-style rules are chosen on purpose), with one stderr line naming the
secret-named key paths it leaves in plaintext, never their values."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sealfile.kms.age import AgeKey
from sealfile.model.rules import EncryptionRules
from sealfile.ops.seal import seal_text
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

REFUSAL = ("sealed in this file, and the file's rule (unencrypted_regex: .) would write it in plaintext: nothing "
           "written; to mean it, add --unseal")
TOLD = "named like a secret, written in plaintext as the file's rule (unencrypted_regex: .) says"


def _loose_rule(tmp_path: Path, recipient: str, rule: str = "unencrypted_regex: .") -> None:
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: \\.enc\\.yaml$\n"
                                             f"    age: [{recipient}]\n    {rule}\n")


def _forged(run_cli: RunCli, tmp_path: Path, recipient: str) -> Path:
    """A file sealed by someone else for the team's key under a rule sealing nothing, its password token-shaped."""
    (tmp_path / "plain.yaml").write_text("db:\n  host: db.internal\n  password: old\n")
    sealed = run_cli("encrypt", "--age", recipient, "plain.yaml", cwd=tmp_path).stdout
    token = sealed.split("password: ")[1].split("\n")[0]
    # the forger's own tool: the CLI's encrypt refuses a plaintext holding a token (a stripped sealed file)
    forged = seal_text(f"db:\n  host: db.internal\n  password: {token}\n", [AgeKey(recipient)],
                       EncryptionRules("unencrypted_regex", "."))
    (tmp_path / "prod.enc.yaml").write_text(forged)
    return tmp_path / "prod.enc.yaml"


def test_set_over_a_value_that_looks_sealed_refuses_to_unseal_it(run_cli: RunCli, age_identity: AgeIdentity,
                                                                  tmp_path: Path) -> None:
    sealed = _forged(run_cli, tmp_path, age_identity.recipient)
    before = sealed.read_bytes()
    done = run_cli("set", sealed, "db.password", "hunter2")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"sealfile: error: {sealed}: db.password: {REFUSAL}"]
    assert sealed.read_bytes() == before
    meant = run_cli("set", "--unseal", sealed, "db.password", "hunter2")
    assert meant.returncode == 0, meant.stderr
    assert meant.stderr.splitlines() == [f"{sealed}: db.password set", f"sealfile: warning: {sealed}: db.password: "
                                         f"{TOLD}"]
    assert "password: hunter2" in sealed.read_text()


def test_set_of_a_new_secret_under_a_loose_rule_is_written_and_told(run_cli: RunCli, age_identity: AgeIdentity,
                                                                     tmp_path: Path) -> None:
    sealed = _forged(run_cli, tmp_path, age_identity.recipient)
    done = run_cli("set", sealed, "api.token", "t0k3n")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"{sealed}: api.token set", f"sealfile: warning: {sealed}: api.token: {TOLD}"]
    port = run_cli("set", sealed, "db.port", "5432")  # not named like a secret: nothing told
    assert port.stderr.splitlines() == [f"{sealed}: db.port set"]


def test_set_over_a_plaintext_placeholder_of_a_secret_tells_the_new_value_is_plain(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    """A forged file's ``db.password: changeme`` in plaintext (no token to refuse, no fresh key to tell): ``set
    db.password`` wrote the new password in plaintext and said only ``db.password set``. A new value written in
    plaintext is told, as a fresh key's is; one left as it was (another key set) is not."""
    sealed = tmp_path / "prod.enc.yaml"
    sealed.write_text(seal_text("db:\n  host: db.internal\n  password: changeme\n", [AgeKey(age_identity.recipient)],
                                EncryptionRules("unencrypted_regex", ".")))
    done = run_cli("set", sealed, "db.password", "hunter2")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"{sealed}: db.password set", f"sealfile: warning: {sealed}: db.password: "
                                        f"{TOLD}"]
    again = run_cli("set", sealed, "db.host", "db2.internal")
    assert again.stderr.splitlines() == [f"{sealed}: db.host set"]


def test_edit_refuses_to_unseal_and_keeps_the_file(run_cli: RunCli, age_identity: AgeIdentity,
                                                   tmp_path: Path) -> None:
    sealed = _forged(run_cli, tmp_path, age_identity.recipient)
    before = sealed.read_bytes()
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'w').write('db:\\n  host: h\\n  password: hunter2\\n')\n")
    done = run_cli("edit", sealed, env={"EDITOR": f"{sys.executable} {editor}"}, cwd=tmp_path)
    assert done.returncode != 0
    assert done.stderr.splitlines() == [f"sealfile: error: {sealed}: db.password: edited text: {REFUSAL}; the sealed "
                                        "file was not changed"]
    assert "hunter2" not in done.stderr + done.stdout and sealed.read_bytes() == before
    meant = run_cli("edit", "--unseal", sealed, env={"EDITOR": f"{sys.executable} {editor}"}, cwd=tmp_path)
    assert meant.returncode == 0, meant.stderr
    assert f"sealfile: warning: {sealed}: db.password: {TOLD}" in meant.stderr.splitlines()


def test_encrypt_previous_under_a_loosened_rule_refuses_to_unseal(run_cli: RunCli, age_identity: AgeIdentity,
                                                                  tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text("db:\n  host: db.internal\n  password: hunter2\n")
    assert run_cli("encrypt", "--age", age_identity.recipient, "app.yaml", "-o", "app.enc.yaml",
                   cwd=tmp_path).returncode == 0
    done = run_cli("encrypt", "--previous", "app.enc.yaml", "--unencrypted-regex", ".", "app.yaml", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [f"sealfile: error: app.yaml: db.host: {REFUSAL}"]
    meant = run_cli("encrypt", "--previous", "app.enc.yaml", "--unencrypted-regex", ".", "--unseal", "app.yaml",
                    cwd=tmp_path)
    assert meant.returncode == 0 and "password: hunter2" in meant.stdout


@pytest.mark.parametrize("rule", ["unencrypted_regex: .", "encrypted_regex: ^(data|stringData)$"])
def test_fresh_encrypt_under_a_pushed_rule_is_written_and_told(run_cli: RunCli, age_identity: AgeIdentity,
                                                               tmp_path: Path, rule: str) -> None:
    _loose_rule(tmp_path, age_identity.recipient, rule)
    (tmp_path / "app.yaml").write_text("db:\n  host: db.internal\n  password: hunter2\n  api_key: k3y\n")
    done = run_cli("encrypt", "app.yaml", "-o", "app.enc.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"sealfile: warning: app.enc.yaml: db.password, db.api_key: named like "
                                        f"secrets, written in plaintext as the file's rule ({rule}) says"]
    assert "hunter2" not in done.stderr and "password: hunter2" in (tmp_path / "app.enc.yaml").read_text()

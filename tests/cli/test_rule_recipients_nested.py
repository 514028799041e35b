"""A ``.sealfile.yaml`` anyone who can push adds below the one whose rule names a file's recipients blesses no
recipient unless it names them: a rule without recipients, or no rule for the file, leaves the writers' guard to
the nearest config above whose rule for the file names recipients (docs/security.md §3). Real age keys, through
the ``sealfile`` command."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sealfile.kms.age import generate_identity
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

PLAIN = "db:\n  pw: old-secret-71\n  user: app\n"
BOB = generate_identity()[1]
ATTACKER = generate_identity()[1]

NESTED = {  # what the attacker commits as prod/.sealfile.yaml beside their file
    "rule without recipients": "creation_rules:\n  - path_regex: .*\n",
    "rule without recipients, encrypted_regex": "creation_rules:\n  - path_regex: \\.enc\\.yaml$\n"
                                                "    encrypted_regex: ^pw$\n",
    "no rule matches": "creation_rules:\n  - path_regex: ^nothing$\n    age: " + BOB + "\n",
    "no creation rules": "sealed_files:\n  - '*.enc.yaml'\n",
    "empty": "",
}


@pytest.fixture
def repo(tmp_path: Path, age_identity: AgeIdentity) -> Path:
    top = tmp_path / "repo"
    (top / "prod").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(top)], check=True)
    (top / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - path_regex: \\.enc\\.yaml$\n    age:\n      - {age_identity.recipient}\n"
        f"      - {BOB}\n")
    return top


def sealed_for(run_cli: RunCli, file: Path, *recipients: str) -> Path:
    plain = file.parent / "plain.yaml"
    plain.write_text(PLAIN)
    done = run_cli("encrypt", plain, "-o", file, *(f"--age={key}" for key in recipients))
    assert done.returncode == 0, done.stderr
    return file


@pytest.mark.parametrize("nested", NESTED)
def test_a_nested_config_that_names_no_recipients_blesses_none(
        nested: str, run_cli: RunCli, repo: Path, age_identity: AgeIdentity) -> None:
    (repo / "prod" / ".sealfile.yaml").write_text(NESTED[nested])
    file = sealed_for(run_cli, repo / "prod" / "a.enc.yaml", age_identity.recipient, BOB, ATTACKER)
    before = file.read_bytes()
    refused = run_cli("set", file, "db.pw", "new-secret-93")
    assert refused.returncode != 0, refused.stderr
    lines = refused.stderr.splitlines()
    assert len(lines) == 1 and f"age {ATTACKER}" in lines[0], refused.stderr
    assert "new-secret" not in refused.stderr and "old-secret" not in refused.stderr
    assert file.read_bytes() == before


@pytest.mark.parametrize("nested", NESTED)
def test_writes_go_on_under_a_nested_config_when_the_rule_above_names_every_recipient(
        nested: str, run_cli: RunCli, repo: Path, age_identity: AgeIdentity) -> None:
    (repo / "prod" / ".sealfile.yaml").write_text(NESTED[nested])
    file = sealed_for(run_cli, repo / "prod" / "a.enc.yaml", age_identity.recipient, BOB)
    done = run_cli("set", file, "db.pw", "new-secret-93")
    assert done.returncode == 0, done.stderr


def test_a_nested_rule_that_names_the_recipients_is_the_one_that_counts(
        run_cli: RunCli, repo: Path, age_identity: AgeIdentity) -> None:
    """The nearest rule with recipients decides, as for ``updatekeys`` (review shows the config it added)."""
    other = generate_identity()[1]
    (repo / "prod" / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - path_regex: .*\n    age:\n      - {age_identity.recipient}\n      - {other}\n")
    file = sealed_for(run_cli, repo / "prod" / "a.enc.yaml", age_identity.recipient, other)
    done = run_cli("set", file, "db.pw", "new-secret-93")
    assert done.returncode == 0, done.stderr


def test_the_command_the_refusal_names_works_under_a_nested_config_without_recipients(
        run_cli: RunCli, repo: Path, age_identity: AgeIdentity) -> None:
    """``updatekeys`` applies the rule the guard judges by, so the command to paste brings the file to it."""
    (repo / "prod" / ".sealfile.yaml").write_text(NESTED["rule without recipients"])
    file = sealed_for(run_cli, repo / "prod" / "a.enc.yaml", age_identity.recipient, BOB, ATTACKER)
    refused = run_cli("set", file, "db.pw", "new-secret-93")
    command = refused.stderr.strip().rsplit(": ", 1)[1].split()
    assert command[:3] == ["sealfile", "updatekeys", "--rotate"], refused.stderr
    done = run_cli(*command[1:], "--yes")
    assert done.returncode == 0, done.stderr
    assert ATTACKER not in file.read_text() and BOB in file.read_text()
    assert run_cli("set", file, "db.pw", "new-secret-93").returncode == 0

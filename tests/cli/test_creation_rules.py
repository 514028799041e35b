"""Which creation rule a command applies, and what of it: the same rule for the same file however the
command names it, and the rule's value rule with recipients named on the command line, as in SOPS."""

from __future__ import annotations

from pathlib import Path

from sealfile.kms.age import generate_identity
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

OTHER = generate_identity()[1]


def test_recipients_on_the_command_line_keep_the_rules_value_rule(run_cli: RunCli, age_identity: AgeIdentity,
                                                                    tmp_path: Path) -> None:
    # sops encrypt --age X applies the .sops.yaml rule's value rule too; sealfile used its default,
    # and left token_unencrypted in plaintext where the rule seals every key not ending in _plain
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - unencrypted_suffix: _plain\n"
                                             f"    age: {OTHER}\n")
    (tmp_path / "a.yaml").write_text("token_unencrypted: t-1\nname_plain: app\n")
    done = run_cli("encrypt", "--age", age_identity.recipient, "a.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "token_unencrypted: ENC[" in done.stdout and "name_plain: app\n" in done.stdout
    assert "unencrypted_suffix: _plain" in done.stdout and OTHER not in done.stdout  # the flag's recipient


def test_stdout_named_as_dash_seals_by_the_input_files_rule(run_cli: RunCli, age_identity: AgeIdentity,
                                                             tmp_path: Path) -> None:
    # '-o -' is stdout, as no -o is: the rule was matched against the name '-' and none applied
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: \\.yaml$\n"
                                             f"    age: {age_identity.recipient}\n")
    (tmp_path / "a.yaml").write_text("password: p-1\n")
    plain = run_cli("encrypt", "a.yaml", cwd=tmp_path)
    dashed = run_cli("encrypt", "a.yaml", "-o", "-", cwd=tmp_path)
    assert plain.returncode == dashed.returncode == 0, dashed.stderr
    assert age_identity.recipient in dashed.stdout

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


def test_a_file_gets_the_same_rule_from_inside_a_linked_directory(run_cli: RunCli, age_identity: AgeIdentity,
                                                                   tmp_path: Path) -> None:
    # 'cd prod && sealfile encrypt x.yaml' (prod -> staging, a link in the repository) took the rule for
    # staging/x.yaml: Python's working directory has its links resolved, the shell's ($PWD, as sops reads
    # it) does not, and 'sealfile encrypt prod/x.yaml' from the top took the rule for prod/x.yaml
    (tmp_path / ".git").mkdir()
    (tmp_path / "staging").mkdir()
    (tmp_path / "prod").symlink_to("staging")
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: ^prod/\n"
                                             f"    age: {age_identity.recipient}\n  - age: {OTHER}\n")
    (tmp_path / "staging" / "x.yaml").write_text("password: p-1\n")
    from_top = run_cli("encrypt", "prod/x.yaml", cwd=tmp_path)
    from_inside = run_cli("encrypt", "x.yaml", cwd=tmp_path / "prod", env={"PWD": str(tmp_path / "prod")})
    assert from_top.returncode == from_inside.returncode == 0, from_inside.stderr
    assert age_identity.recipient in from_top.stdout and age_identity.recipient in from_inside.stdout
    climbing = run_cli("encrypt", "../prod/x.yaml", cwd=tmp_path / "prod", env={"PWD": str(tmp_path / "prod")})
    assert climbing.returncode == 0 and age_identity.recipient in climbing.stdout, climbing.stderr


def test_a_project_with_only_sops_rules_is_told_how_to_convert_them(run_cli: RunCli, age_identity: AgeIdentity,
                                                                    tmp_path: Path) -> None:
    """A team moving from SOPS has its rules in .sops.yaml: the refusal says the command that converts
    them, and that command, run as shown, makes the next encrypt and updatekeys work."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - path_regex: \\.yaml$\n"
                                         f"    age: {age_identity.recipient}\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "a.yaml").write_text("password: p-1\n")
    refused = run_cli("encrypt", "a.yaml", cwd=tmp_path / "app")
    assert refused.returncode == 2
    hint = "(this project's rules are in ../.sops.yaml: sealfile import-sops ../.sops.yaml -o ../.sealfile.yaml)"
    assert hint in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert run_cli("import-sops", "../.sops.yaml", "-o", "../.sealfile.yaml", cwd=tmp_path / "app").returncode == 0
    done = run_cli("encrypt", "-i", "a.yaml", cwd=tmp_path / "app")
    assert done.returncode == 0, done.stderr
    assert run_cli("updatekeys", "-y", "a.yaml", cwd=tmp_path / "app").returncode == 0
    (tmp_path / ".sealfile.yaml").write_text("creation_rules: []\n")  # a sealfile config: its rules are the ones
    (tmp_path / "app" / "b.yaml").write_text("password: p-2\n")
    unmatched = run_cli("encrypt", "b.yaml", cwd=tmp_path / "app")
    assert unmatched.returncode == 2 and "add a creation rule" in unmatched.stderr
    assert "import-sops" not in unmatched.stderr

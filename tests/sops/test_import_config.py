"""The way in for a whole repository: ``import-sops`` of its ``.sops.yaml`` writes the ``.sealfile.yaml``
that new files and ``updatekeys`` follow, and ``import-sops -i`` of each SOPS file keeps a name its
reader picks (a ``.json`` or ``.env`` file stays JSON or dotenv)."""

from __future__ import annotations

from pathlib import Path

import pytest

import sealfile
from sealfile.ops.config import read_config
from tests.sops.conftest import AgeIdentity, assert_same, make_identity, run_sops, sealfile_cli

ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::111122223333:role/sops"
VAULT = "https://vault.example.com:8200/v1/transit/keys/team"
AZURE = "https://team.vault.azure.net/keys/sops/0123456789abcdef0123456789abcdef"


def _config(first: AgeIdentity, second: AgeIdentity) -> str:
    return f"""\
creation_rules:
  - path_regex: groups/.*\\.yaml$
    shamir_threshold: 2
    key_groups:
      - age: [{first.recipient}]
      - age: [{second.recipient}]
        kms:
          - arn: {ARN}
            role: {ROLE}
            aws_profile: ops
      - hc_vault:
          - {VAULT}
        azure_keyvault:
          - vaultUrl: https://team.vault.azure.net
            key: sops
            version: 0123456789abcdef0123456789abcdef
  - path_regex: \\.json$
    encrypted_suffix: _secret
    age: {first.recipient},{second.recipient}
  - path_regex: comments/
    encrypted_comment_regex: sops:enc
    kms: {ARN}+{ROLE}
    aws_profile: ops
    azure_keyvault: {AZURE}
    hc_vault_transit_uri: {VAULT}
  - path_regex: ""
    unencrypted_suffix: _plain
    mac_only_encrypted: true
    age: {first.recipient}
stores:
  yaml:
    indent: 2
"""


@pytest.fixture
def repository(tmp_path: Path, sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> Path:
    second = make_identity(tmp_path / "second")
    keys = tmp_path / "keys.txt"
    keys.write_text(sops_identity.key_file.read_text() + second.key_file.read_text())
    keys.chmod(0o600)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(keys))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".sops.yaml").write_text(_config(sops_identity, second))
    return repo


def test_the_sops_config_becomes_a_sealfile_config(repository: Path) -> None:
    done = sealfile_cli("import-sops", str(repository / ".sops.yaml"), "-o", str(repository / ".sealfile.yaml"))
    assert done.returncode == 0, done.stderr
    warned = sorted(line.split(": ", 3)[3] for line in done.stderr.splitlines())
    assert warned == [
        "creation_rules.2.encrypted_comment_regex: sealfile has no equivalent; every value is sealed instead "
        "(encrypted_regex ^: SOPS seals a key ending in _unencrypted under it too)",
        "creation_rules.3.mac_only_encrypted: sealfile has no equivalent; left out (sealfile's MAC covers every "
        "value and key path)",
        "stores: not a creation rule; left out"]
    rules = read_config(repository / ".sealfile.yaml").creation_rules
    groups = rules[0].recipients
    assert groups is not None and groups.threshold == 2
    assert [[(key.type_id, key.key_id) for key in group] for group in groups.groups] == [
        [("age", groups.groups[0][0].key_id)],
        [("age", groups.groups[1][0].key_id), ("aws_kms", ARN)],
        [("azure_kv", AZURE), ("hc_vault_transit", VAULT)]]
    assert (rules[1].rules.kind, rules[1].rules.pattern) == ("encrypted_regex", "_secret\\Z")
    assert sorted(key.type_id for key in rules[2].keys) == ["aws_kms", "azure_kv", "hc_vault_transit"]
    assert (rules[2].rules.kind, rules[2].rules.pattern) == ("encrypted_regex", "^")
    aws = next(key for key in rules[2].keys if key.type_id == "aws_kms")
    assert (aws.role, aws.profile) == (ROLE, "ops")  # type: ignore[attr-defined]
    assert (rules[3].rules.kind, rules[3].rules.pattern) == ("unencrypted_suffix", "_plain")


def test_a_migrated_file_matches_its_rule_and_keeps_its_syntax(repository: Path) -> None:
    (repository / "app.json").write_text('{"db": {"password_secret": "p", "user": "u"}, "port": 8080}\n')
    (repository / "app.env").write_text("TOKEN=t\nUSER=u\n")
    for name in ("app.json", "app.env"):
        made = run_sops(["--config", str(repository / ".sops.yaml"), "encrypt", "-i", str(repository / name)])
        assert made.returncode == 0, made.stderr
    for name in ("app.json", "app.env"):
        before = sealfile.load_secrets(repository / name, redacted=False)
        assert sealfile_cli("import-sops", "-i", str(repository / name)).returncode == 0
        assert_same(sealfile.load_secrets(repository / name, redacted=False), before)
        assert "sealfile" in (repository / name).read_text()
    assert sealfile_cli("import-sops", str(repository / ".sops.yaml"), "-o",
                        str(repository / ".sealfile.yaml")).returncode == 0
    updated = sealfile_cli("updatekeys", "-y", str(repository / "app.json"))
    assert updated.returncode == 0 and "recipients already match" in updated.stderr + updated.stdout, updated.stderr


def test_an_aws_key_gets_no_context_sops_did_not_send(repository: Path) -> None:
    assert sealfile_cli("import-sops", str(repository / ".sops.yaml"), "-o",
                        str(repository / ".sealfile.yaml")).returncode == 0
    keys = [key for rule in read_config(repository / ".sealfile.yaml").creation_rules for key in rule.keys
            if key.type_id == "aws_kms"]
    assert keys and all(key.context == {} for key in keys)  # type: ignore[attr-defined]


@pytest.mark.parametrize("rule", ["unencrypted_regex", "unencrypted_suffix", "encrypted_regex", "encrypted_suffix"])
def test_an_empty_rule_means_what_it_means_to_sops(rule: str, sops_identity: AgeIdentity, tmp_path: Path) -> None:
    """SOPS reads ``unencrypted_regex: ""`` as no rule (its default: every value encrypted); converted as
    it was, sealfile read it as a pattern every key matches and sealed nothing. Written in a .sealfile.yaml
    or given as a flag, the same empty rule is refused, not read otherwise."""
    (tmp_path / ".sops.yaml").write_text(f'creation_rules:\n  - {rule}: ""\n    age: {sops_identity.recipient}\n')
    (tmp_path / "app.yaml").write_text("db:\n  password: p-1\n  user_unencrypted: u\n")
    made = run_sops(["--config", str(tmp_path / ".sops.yaml"), "encrypt", str(tmp_path / "app.yaml")])
    assert made.returncode == 0, made.stderr
    assert "p-1" not in made.stdout and "user_unencrypted: u" in made.stdout  # SOPS's default rule
    done = sealfile_cli("import-sops", str(tmp_path / ".sops.yaml"), "-o", str(tmp_path / ".sealfile.yaml"))
    assert done.returncode == 0 and "empty, which SOPS reads as no rule" in done.stderr, done.stderr
    sealed = sealfile_cli("encrypt", str(tmp_path / "app.yaml"))
    assert sealed.returncode == 0, sealed.stderr
    assert "p-1" not in sealed.stdout and "user_unencrypted: u" in sealed.stdout
    if rule != "encrypted_suffix":  # not one of sealfile's own rules
        (tmp_path / ".sealfile.yaml").write_text((tmp_path / ".sops.yaml").read_text())
        refused = sealfile_cli("encrypt", str(tmp_path / "app.yaml"))
        assert refused.returncode != 0 and f"{rule} is empty: SOPS reads that as no rule" in refused.stderr
        flag = sealfile_cli("encrypt", "--age", sops_identity.recipient, f"--{rule.replace('_', '-')}=",
                            str(tmp_path / "app.yaml"))
        assert flag.returncode != 0 and f"{rule} is empty" in flag.stderr, flag.stderr


@pytest.mark.parametrize(("rule", "pattern"), [("unencrypted_regex", r"^\w+$"), ("encrypted_regex", r"\W")])
def test_a_migrated_rule_seals_what_sops_seals(rule: str, pattern: str, sops_identity: AgeIdentity,
                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The config's patterns are Go's: ``\\w`` is ASCII there. Copied as they were, sealfile read p\u00e4ssword
    as one word and left in plaintext a value SOPS seals."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - path_regex: \\d\\.yaml$\n    {rule}: '{pattern}'\n"
                                         f"    age: {sops_identity.recipient}\n")
    plain = "p\u00e4ssword: one\nuser: two\n"
    for name in ("s1.yaml", "s\u0663.yaml"):
        (tmp_path / name).write_text(plain, encoding="utf-8")
    theirs = run_sops(["--config", str(tmp_path / ".sops.yaml"), "encrypt", str(tmp_path / "s1.yaml")])
    assert theirs.returncode == 0, theirs.stderr
    imported = sealfile_cli("import-sops", str(tmp_path / ".sops.yaml"), "-o", str(tmp_path / ".sealfile.yaml"))
    assert imported.returncode == 0, imported.stderr
    for name in ("s1.yaml", "s\u0663.yaml"):  # Go's \d is no Arabic-Indic digit: that file has no rule, for both
        ours = sealfile_cli("encrypt", str(tmp_path / name))
        if name == "s1.yaml":
            assert ours.returncode == 0, ours.stderr
            sealed = {line.split(":")[0] for line in ours.stdout.splitlines() if "ENC[" in line and line[0] != " "}
            assert sealed == {line.split(":")[0] for line in theirs.stdout.splitlines()
                              if "ENC[AES256_GCM" in line and line[0] != " "}
        else:
            assert ours.returncode != 0 and "creation rule" in ours.stderr, ours.stderr
            assert run_sops(["--config", str(tmp_path / ".sops.yaml"), "encrypt", str(tmp_path / name)]).returncode != 0


def _first_recipient(output: str, identities: list[AgeIdentity]) -> int:
    return next(index for index, identity in enumerate(identities) if identity.recipient in output)


@pytest.mark.parametrize("pattern", ["", "null", "''"])
def test_a_rule_without_a_pattern_matches_every_file_as_in_sops(pattern: str, sops_identity: AgeIdentity,
                                                                 tmp_path: Path) -> None:
    """``path_regex:`` left empty (or null) is SOPS's catch-all; the conversion wrote ``path_regex: null``,
    which sealfile's reader refused, naming the .sealfile.yaml not yet written."""
    second = make_identity(tmp_path / "second")
    (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - path_regex: ^prod/\n    age: {second.recipient}\n"
                                         f"  - path_regex: {pattern}\n    age: {sops_identity.recipient}\n")
    (tmp_path / "app.yaml").write_text("password: p-1\n")
    theirs = run_sops(["--config", str(tmp_path / ".sops.yaml"), "encrypt", str(tmp_path / "app.yaml")])
    assert theirs.returncode == 0, theirs.stderr
    done = sealfile_cli("import-sops", str(tmp_path / ".sops.yaml"), "-o", str(tmp_path / ".sealfile.yaml"))
    assert done.returncode == 0, done.stderr
    ours = sealfile_cli("encrypt", str(tmp_path / "app.yaml"))
    assert ours.returncode == 0, ours.stderr
    identities = [second, sops_identity]
    assert _first_recipient(ours.stdout, identities) == _first_recipient(theirs.stdout, identities) == 1


@pytest.mark.parametrize("pattern", ["(", "x{1001}", "a(?=b)"])
def test_a_path_pattern_go_cannot_compile_is_refused_not_skipped(pattern: str, sops_identity: AgeIdentity,
                                                                  tmp_path: Path) -> None:
    """SOPS stops at such a rule ('can not compile regexp'); converted to a pattern that never matches, the
    files it reached took the next rule's recipients, silently."""
    second = make_identity(tmp_path / "second")
    (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - path_regex: '{pattern}'\n    age: {second.recipient}\n"
                                         f"  - age: {sops_identity.recipient}\n")
    (tmp_path / "app.yaml").write_text("password: p-1\n")
    theirs = run_sops(["--config", str(tmp_path / ".sops.yaml"), "encrypt", str(tmp_path / "app.yaml")])
    assert theirs.returncode != 0 and "can not compile regexp" in theirs.stderr
    done = sealfile_cli("import-sops", str(tmp_path / ".sops.yaml"), "-o", str(tmp_path / ".sealfile.yaml"))
    assert done.returncode != 0 and not (tmp_path / ".sealfile.yaml").exists()
    assert done.stderr.count("\n") == 1 and ".sops.yaml: creation_rules.0.path_regex: path_regex is not a regular " \
                                              "expression Go compiles" in done.stderr, done.stderr


def test_a_pattern_sealfile_cannot_translate_names_its_rule(sops_identity: AgeIdentity, tmp_path: Path) -> None:
    (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - path_regex: ^a/\n    age: {sops_identity.recipient}\n"
                                         f"  - encrypted_regex: '\\pL'\n    age: {sops_identity.recipient}\n")
    done = sealfile_cli("import-sops", str(tmp_path / ".sops.yaml"), "-o", str(tmp_path / ".sealfile.yaml"))
    assert done.returncode != 0 and "sops.yaml: creation_rules.1.encrypted_regex: the SOPS rule uses Go" in done.stderr


@pytest.mark.parametrize(("rule", "comment"), [("encrypted_comment_regex", "secret"),
                                                ("unencrypted_comment_regex", "other")])
def test_a_comment_rule_seals_every_value_as_sops_does(rule: str, comment: str, sops_identity: AgeIdentity,
                                                          tmp_path: Path) -> None:
    """Under a comment rule SOPS seals ``token_unencrypted``: converted to the default rule, a file made after
    the migration kept it in plaintext."""
    (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - {rule}: secret\n    age: {sops_identity.recipient}\n")
    (tmp_path / "app.yaml").write_text(f"# {comment}\ntoken_unencrypted: hunter2\nuser: app\n")
    theirs = run_sops(["--config", str(tmp_path / ".sops.yaml"), "encrypt", str(tmp_path / "app.yaml")])
    assert theirs.returncode == 0 and "hunter2" not in theirs.stdout, theirs.stderr
    imported = sealfile_cli("import-sops", str(tmp_path / ".sops.yaml"), "-o", str(tmp_path / ".sealfile.yaml"))
    assert imported.returncode == 0, imported.stderr
    ours = sealfile_cli("encrypt", str(tmp_path / "app.yaml"))
    assert ours.returncode == 0 and "hunter2" not in ours.stdout and "user: app" not in ours.stdout, ours.stderr

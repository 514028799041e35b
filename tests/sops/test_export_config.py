"""The way back for a whole repository: ``export-sops .sealfile.yaml`` writes the ``.sops.yaml`` whose creation
rules the real ``sops`` follows for new files, as ``import-sops .sops.yaml`` is the way in. A team leaving had to
write it by hand, renaming half the fields (``aws_kms``, ``threshold``...)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sealfile.ops.config import read_config
from sealfile.ops.creation_rules import CreationRule
from sealfile.stores.yaml import reader as yaml_store
from tests.sops.conftest import AgeIdentity, make_identity, run_sops, sealfile_cli
from tests.sops.test_import_config import _config


def _meaning(rules: list[CreationRule]) -> list[Any]:
    def group(keys: Any) -> set[tuple[str, str, Any, Any]]:
        return {(key.type_id, key.key_id, getattr(key, "role", None), getattr(key, "profile", None)) for key in keys}

    return [(rule.path_regex.replace("$", "\\Z"), rule.rules, [group(g) for g in rule.recipients.groups]
             if rule.recipients else None, rule.recipients.threshold if rule.recipients else None) for rule in rules]


def _field_names(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [name for key, value in node.items() for name in (key, *_field_names(value))]
    return [name for item in node for name in _field_names(item)] if isinstance(node, list) else []


@pytest.fixture
def identities(tmp_path: Path, sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> list[AgeIdentity]:
    second = make_identity(tmp_path / "second")
    keys = tmp_path / "keys.txt"
    keys.write_text(sops_identity.key_file.read_text() + second.key_file.read_text())
    keys.chmod(0o600)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(keys))
    return [sops_identity, second]


def test_a_sealfile_config_goes_back_to_the_sops_config_it_came_from(identities: list[AgeIdentity],
                                                                      tmp_path: Path) -> None:
    way_in, way_back = tmp_path / "in", tmp_path / "back"
    for repo in (way_in, way_back):
        repo.mkdir()
    (way_in / ".sops.yaml").write_text(_config(*identities))
    assert sealfile_cli("import-sops", str(way_in / ".sops.yaml"), "-o", str(way_in / ".sealfile.yaml")).returncode == 0
    done = sealfile_cli("export-sops", str(way_in / ".sealfile.yaml"), "-o", str(way_back / ".sops.yaml"))
    assert done.returncode == 0, done.stderr
    fields = set(_field_names(yaml_store.load_fast((way_back / ".sops.yaml").read_text())))
    assert {"shamir_threshold", "kms", "hc_vault", "azure_keyvault", "hc_vault_transit_uri", "aws_profile"} <= fields
    assert not fields & {"threshold", "aws_kms", "azure_kv", "hc_vault_transit"}  # sealfile's names
    assert sealfile_cli("import-sops", str(way_back / ".sops.yaml"), "-o",
                        str(way_back / ".sealfile.yaml")).returncode == 0
    assert _meaning(read_config(way_back / ".sealfile.yaml").creation_rules) == _meaning(
        read_config(way_in / ".sealfile.yaml").creation_rules)


def test_sops_makes_new_files_by_the_exported_rules(identities: list[AgeIdentity], tmp_path: Path) -> None:
    first, second = identities
    (tmp_path / "prod").mkdir()
    (tmp_path / ".sealfile.yaml").write_text(f"""\
signers:
  alice: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJVYIHhr5YAOhFDJdvhZ5vdE6rR83LOSnqX+IsJejUiJ alice
creation_rules:
  - path_regex: ^prod/
    require_signature: true
    key_groups:
      - age: [{first.recipient}]
      - age: [{second.recipient}]
        keyring: [team]
    threshold: 2
  - encrypted_regex: ^(password|token)\\Z
    age: [{second.recipient}]
""")
    done = sealfile_cli("export-sops", str(tmp_path / ".sealfile.yaml"), "-o", str(tmp_path / ".sops.yaml"))
    assert done.returncode == 0, done.stderr
    assert sorted(line.split(": ", 3)[3] for line in done.stderr.splitlines()) == [
        "creation_rules.0.require_signature: SOPS files are not signed; left out",
        "creation_rules.0: keyring recipients left out: SOPS has no key source for them",
        "signers: SOPS files are not signed; left out"]
    for name in ("prod/db.yaml", "app.yaml"):
        (tmp_path / name).write_text("password: p\nuser: u\n")
        made = run_sops(["--config", str(tmp_path / ".sops.yaml"), "encrypt", "-i", str(tmp_path / name)])
        assert made.returncode == 0, made.stderr
    prod, app = ((tmp_path / name).read_text() for name in ("prod/db.yaml", "app.yaml"))
    assert "shamir_threshold: 2" in prod and first.recipient in prod and second.recipient in prod
    assert first.recipient not in app and second.recipient in app
    assert "user: u" in app and "password: ENC[" in app  # the value rule, as SOPS reads it
    assert "user: ENC[" in prod  # the default rule: every value


def test_a_path_pattern_go_reads_otherwise_for_a_file_here_is_refused(tmp_path: Path,
                                                                     sops_identity: AgeIdentity) -> None:
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "café.yaml").write_text("")
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: ^prod/\\w+\\.yaml\\Z\n"
                                             f"    age: [{sops_identity.recipient}]\n")
    done = sealfile_cli("export-sops", str(tmp_path / ".sealfile.yaml"), "-o", str(tmp_path / ".sops.yaml"))
    assert done.returncode == 1 and not (tmp_path / ".sops.yaml").exists()
    assert done.stderr.strip().endswith(
        "creation_rules.0: SOPS would pick rule None for prod/café.yaml, sealfile picks 0 (Go reads the pattern "
        "otherwise: \\w, \\d and \\b are ASCII to it)"), done.stderr
    (tmp_path / "prod" / "café.yaml").unlink()
    assert sealfile_cli("export-sops", str(tmp_path / ".sealfile.yaml"), "-o",
                        str(tmp_path / ".sops.yaml")).returncode == 0


def test_a_config_is_never_replaced_in_place(tmp_path: Path, sops_identity: AgeIdentity) -> None:
    config = tmp_path / ".sealfile.yaml"
    config.write_text(f"creation_rules:\n  - age: [{sops_identity.recipient}]\n")
    done = sealfile_cli("export-sops", "-i", str(config))
    assert done.returncode == 2 and "-o .sops.yaml, not -i" in done.stderr
    assert config.read_text() == f"creation_rules:\n  - age: [{sops_identity.recipient}]\n"


def test_ssh_keys_among_sops_age_recipients_come_in_as_ssh_recipients(tmp_path: Path,
                                                                      sops_identity: AgeIdentity) -> None:
    """SOPS keeps SSH recipients in its ``age`` lists; sealfile's config refuses an SSH key there, so such a
    ``.sops.yaml`` could not be converted at all."""
    ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJVYIHhr5YAOhFDJdvhZ5vdE6rR83LOSnqX+IsJejUiJ alice"
    (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - age: {sops_identity.recipient},{ssh}\n"
                                         f"  - key_groups:\n      - age: ['{ssh}']\n")
    done = sealfile_cli("import-sops", str(tmp_path / ".sops.yaml"), "-o", str(tmp_path / ".sealfile.yaml"))
    assert done.returncode == 0, done.stderr
    rules = read_config(tmp_path / ".sealfile.yaml").creation_rules
    assert sorted(key.type_id for key in rules[0].keys) == ["age", "ssh"]
    assert [key.type_id for key in rules[1].keys] == ["ssh"]

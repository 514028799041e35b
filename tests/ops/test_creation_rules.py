"""How a creation rule's recipient entries are read: text or a mapping of the provider's fields, as SOPS
reads them; anything else is refused in one line naming the config and the rule's key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.errors import ConfigError
from sealfile.kms.age import generate_identity
from sealfile.ops.config import load_config

A = generate_identity()[1]
ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _config(tmp_path: Path, body: str) -> object:
    (tmp_path / ".sealfile.yaml").write_text("creation_rules:\n  - " + body + "\n")
    return load_config(tmp_path)


@pytest.mark.parametrize(("entry", "kind"), [("keyring: true", "a boolean"), ("keyring: [null]", "null"),
                                             ("keyring: [1.5]", "a number"), ("pgp: 0x1F", "a number"),
                                             ("age: [[RECIPIENT]]", "a list")])
def test_a_recipient_that_yaml_reads_as_another_type_is_refused(tmp_path: Path, entry: str, kind: str) -> None:
    # str() made them keys named "True", "None", "1.5", "31" (the keyring name: no error until wrapping)
    with pytest.raises(ConfigError) as raised:
        _config(tmp_path, entry.replace("RECIPIENT", A))
    message = str(raised.value)
    assert f".sealfile.yaml: creation_rules.0.{entry.split(':')[0]}: a recipient is written as text" in message
    assert message.endswith(f"not {kind}")


def test_an_entry_cannot_name_another_kind_than_its_list(tmp_path: Path) -> None:
    # listed under age, it was an AWS KMS key: review and the reader of the config saw an age list
    with pytest.raises(ConfigError, match=r"creation_rules\.0\.age: an entry of the age list cannot be of another "
                                          r"type \(aws_kms\)"):
        _config(tmp_path, f"age: [{{type: aws_kms, arn: '{ARN}'}}]")


def test_an_entry_may_name_its_own_kind(tmp_path: Path) -> None:
    config = _config(tmp_path, f"age: [{{type: age, recipient: {A}}}]")
    rule = config.rule_for(tmp_path / "x.enc.yaml")  # type: ignore[attr-defined]
    assert [key.key_id for key in rule.keys] == [A]


@pytest.mark.parametrize(("value", "cause"), [("", "must be text"), ("5", "must be text"), ("[a]", "must be text"),
                                              ("'('", "is not a valid regular expression: missing \\)")])
def test_a_path_regex_that_is_no_pattern_says_why(tmp_path: Path, value: str, cause: str) -> None:
    with pytest.raises(ConfigError, match=rf"\.sealfile\.yaml: creation_rules\.0\.path_regex: path_regex {cause}"):
        _config(tmp_path, f"path_regex: {value}\n    age: {A}")


def test_a_sops_field_name_says_what_sealfile_calls_it(tmp_path: Path) -> None:
    """A SOPS team writes its own names first: 'unknown field(s) shamir_threshold' said nothing of 'threshold'."""
    _, recipient = generate_identity()
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - key_groups:\n      - age: [{recipient}]\n"
                                             "    shamir_threshold: 1\n    kms: arn:aws:kms:us-east-1:1:key/x\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "s.enc.yaml")
    assert caught.value.message == ("unknown field(s) kms, shamir_threshold (SOPS's names: here kms is aws_kms, "
                                    "shamir_threshold is threshold; 'sealfile import-sops .sops.yaml' converts a "
                                    "whole SOPS config)")

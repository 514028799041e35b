"""``key_groups`` and ``threshold`` in ``.sealfile.yaml`` creation rules, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.errors import ConfigError
from sealfile.kms.age import generate_identity
from sealfile.ops.config import load_config

A, B, C = (generate_identity()[1] for _ in range(3))


def rule_for(tmp_path: Path, body: str) -> object:
    (tmp_path / ".sealfile.yaml").write_text("creation_rules:\n  - path_regex: .*\n" + body)
    return load_config(tmp_path).rule_for(tmp_path / "x.enc.yaml")


def test_key_groups_with_a_threshold(tmp_path: Path) -> None:
    rule = rule_for(tmp_path, f"    key_groups:\n      - age: [{A}, {B}]\n      - age: {C}\n    threshold: 1\n")
    recipients = rule.recipients  # type: ignore[attr-defined]
    assert [[k.key_id for k in group] for group in recipients.groups] == [[A, B], [C]]
    assert recipients.threshold == 1 and [k.key_id for k in rule.keys] == [A, B, C]  # type: ignore[attr-defined]


def test_the_threshold_defaults_to_every_group(tmp_path: Path) -> None:
    rule = rule_for(tmp_path, f"    key_groups:\n      - age: [{A}]\n      - age: [{B}]\n")
    assert rule.recipients.threshold == 2  # type: ignore[attr-defined]


def test_a_rule_without_recipients(tmp_path: Path) -> None:
    assert rule_for(tmp_path, "    encrypted_regex: ^pw$\n").recipients is None  # type: ignore[attr-defined]


ERRORS = [
    (f"    age: [{A}]\n    threshold: 1\n", "creation_rules.0.threshold: threshold goes with key_groups"),
    (f"    age: [{A}]\n    key_groups:\n      - age: [{B}]\n", "either in key_groups or beside them"),
    ("    key_groups: []\n", "key_groups must be a list of mappings"),
    (f"    key_groups:\n      - age: [{A}]\n      - {{}}\n", "key group 2 has no recipient"),
    (f"    key_groups:\n      - agee: [{A}]\n", "creation_rules.0.key_groups.0: unknown recipient kind(s) agee"),
    (f"    key_groups:\n      - age: [{A}]\n    threshold: 2\n", "between 1 and the number of key groups (1)"),
    (f"    key_groups:\n      - age: [{A}]\n    threshold: two\n", "threshold must be a number"),
    (f"    key_groups:\n      - age: [{A}]\n      - age: [{A}]\n", "is in two key groups"),
    ("    key_groups:\n      - age: [age1nope]\n", "creation_rules.0.key_groups.0.age: not an age"),
]


# named by the message: a body names keys that are new each run, and every run (and every xdist
# worker) must collect the same tests
@pytest.mark.parametrize(("body", "message"), ERRORS, ids=[message for _, message in ERRORS])
def test_errors_name_the_field(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        rule_for(tmp_path, body)
    assert message in str(info.value)
    assert "\n" not in str(info.value)

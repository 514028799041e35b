"""An application tag on an empty plain scalar (docs/format.md §1.3): CloudFormation writes ``!GetAZs`` with no
argument (``AvailabilityZone: !Select [0, !GetAZs ]``), which every YAML reader reads as the empty string. Such a
value is a tagged value like any other: its tag kept outside its token, sealed, given back byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sealfile.errors import FormatError, IntegrityError
from sealfile.gitflow.semantic_diff import diff_texts, render_text
from sealfile.model.rules import EncryptionRules
from sealfile.ops.change import reseal_edited, rotate, set_value, unset_value
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import FAST_PATH_ENV
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores.yaml.scan import parsed
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

TEMPLATE = """\
Resources:
  Subnet:
    Properties:
      AvailabilityZone: !Select [0, !GetAZs ]
      Zones: !GetAZs
      Other: {a: !GetAZs , b: !Ref ''}
      Listed:
        - !GetAZs
        - !GetAZs   # a comment
        -  !GetAZs
      Anchored: &zones !GetAZs
      Again: *zones
      Last: !GetAZs
Name: vpc
"""
EMPTY = ["Resources.Subnet.Properties." + path for path in (
    "AvailabilityZone.1", "Zones", "Other.a", "Listed.0", "Listed.1", "Listed.2", "Anchored", "Last")]
RULES = [None, EncryptionRules("encrypted_regex", "^Zones$"), EncryptionRules("unencrypted_regex", ".")]


def _at(tree: object, keypath: str) -> object:
    for part in keypath.split("."):
        tree = tree[int(part)] if isinstance(tree, list) else tree[part]  # type: ignore[index]
    return tree


def test_every_yaml_reader_reads_the_empty_string() -> None:
    class Tagged(yaml.SafeLoader):
        pass

    Tagged.add_multi_constructor("!", lambda loader, _tag, node: (
        loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else loader.construct_sequence(node)))
    pyyaml = yaml.load(TEMPLATE, Loader=Tagged)  # a SafeLoader: application tags read as their text
    for engine in ("c", "pure"):
        read = parsed(TEMPLATE, engine)
        for keypath in EMPTY:
            assert _at(read.tree, keypath) == _at(pyyaml, keypath) == ""
        assert len(read.tagged) == 10  # the alias holds the tag of its anchor


@pytest.mark.parametrize("rules", RULES, ids=["every value", "one key", "no value"])
@pytest.mark.parametrize("fast", ["1", "0"])
@pytest.mark.parametrize("ending", ["\n", ""])
def test_empty_tagged_values_come_back_byte_for_byte(age_identity: AgeIdentity, rules: EncryptionRules | None,
                                                     fast: str, ending: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_PATH_ENV, fast)
    text = TEMPLATE.replace("\nName: vpc\n", ending)
    sealed = seal_text(text, [age_identity.key], rules)
    assert decrypt_text(sealed) == text
    if rules is None:  # the tag stays outside the token
        for written in (', !GetAZs "ENC[', "Zones: !GetAZs ENC[", '{a: !GetAZs "ENC[', "- !GetAZs ENC[",
                        "&zones !GetAZs ENC[", "Last: !GetAZs ENC["):
            assert written in sealed
    for engine in ("c", "pure"):
        assert parsed(sealed, engine).tagged == parsed(text, engine).tagged


@pytest.mark.parametrize(("before", "after"), [("Zones: !GetAZs ", "Zones: "), ("Zones: !GetAZs ", "Zones: !Ref "),
                                               (", !GetAZs ", ", "), ("- !GetAZs ", "- !Ref ")])
def test_a_changed_tag_on_an_empty_value_breaks_the_seal(age_identity: AgeIdentity, before: str, after: str) -> None:
    sealed = seal_text(TEMPLATE, [age_identity.key])
    assert before in sealed
    with pytest.raises((IntegrityError, FormatError)):
        decrypt_text(sealed.replace(before, after, 1))


@pytest.mark.parametrize("fast", ["1", "0"])
def test_changes_of_neighbours_leave_the_empty_tagged_values_as_written(age_identity: AgeIdentity, fast: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_PATH_ENV, fast)
    sealed = seal_text(TEMPLATE, [age_identity.key])
    sealed = set_value(sealed, "Name", "subnet")
    sealed = unset_value(sealed, "Resources.Subnet.Properties.Again")
    sealed = rotate(sealed)
    expected = TEMPLATE.replace("Name: vpc", "Name: subnet").replace("      Again: *zones\n", "")
    assert decrypt_text(sealed) == expected
    edited = reseal_edited(sealed, expected.replace("subnet", "edited"))
    assert decrypt_text(edited) == expected.replace("subnet", "edited")
    changed = set_value(edited, "Resources.Subnet.Properties.Zones", "us-east-1")  # the tag goes with it (§1.3)
    assert "Zones: us-east-1\n" in decrypt_text(changed)


def test_diff_names_a_changed_tag_on_an_empty_value(age_identity: AgeIdentity) -> None:
    old = seal_text(TEMPLATE, [age_identity.key])
    new = reseal_edited(old, TEMPLATE.replace("Zones: !GetAZs", "Zones: !Ref"))
    shown = [line.strip() for line in render_text(diff_texts("stack.enc.yaml", old, new))[1:]]
    assert shown == ["~ Resources.Subnet.Properties.Zones: tag !GetAZs -> !Ref"]


def test_readers_of_values_refuse_an_empty_tagged_value(age_identity: AgeIdentity, tmp_path: Path) -> None:
    path = tmp_path / "stack.enc.yaml"
    path.write_text(seal_text("a:\n  z: !GetAZs\n  n: one\n", [age_identity.key]), encoding="utf-8")
    with pytest.raises(FormatError, match="YAML tag") as info:
        load_secrets(str(path), redacted=False)
    assert info.value.keypath == "a.z"
    assert load_secrets(str(path), redacted=False, extract="a.n") == "one"


@pytest.mark.parametrize(("text", "message"), [
    ("a:\n  z: !\n", "a plain value tagged '!'"),  # '!' alone: the engines read a null or an empty string
    ("a:\n  z: !s3cret\n", "a value starts with '!'"),  # not an application's tag: a password starting with '!'
    ("a: [0, ! ]\n", "a plain value tagged '!'"),
])
@pytest.mark.parametrize("fast", ["1", "0"])
def test_an_empty_value_under_another_tag_stays_refused(age_identity: AgeIdentity, text: str, message: str,
                                                        fast: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_PATH_ENV, fast)
    with pytest.raises(FormatError, match=message):
        seal_text(text, [age_identity.key])


def test_the_cli_seals_and_opens_it(age_identity: AgeIdentity, tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("a:\n  z: !GetAZs\n", encoding="utf-8")
    sealed = run_cli("encrypt", "-i", "--age", age_identity.recipient, str(path))
    assert sealed.returncode == 0, sealed.stderr
    assert run_cli("decrypt", str(path)).stdout == "a:\n  z: !GetAZs\n"
    refused = run_cli("decrypt", "--output-type", "json", str(path))
    assert refused.returncode != 0 and len(refused.stderr.strip().splitlines()) == 1 and "a.z" in refused.stderr

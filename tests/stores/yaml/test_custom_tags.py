"""An application's own YAML tags (docs/format.md §1.3): ``!Ref`` (CloudFormation), ``!secret`` (Home Assistant,
ESPHome), ``!reference`` (GitLab CI) are kept byte for byte, outside tokens, and sealed; a reader that returns
values without their YAML text refuses a tagged value, naming its key path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sealfile.errors import FormatError, IntegrityError
from sealfile.model.rules import EncryptionRules
from sealfile.ops.change import rotate, set_value, unset_value
from sealfile.ops.export_sops import export_sops
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import FAST_PATH_ENV
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores import get_store
from sealfile.stores.yaml.scan import parsed
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

TEMPLATE = """\
Resources:
  VPC:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref VpcCIDR   # a comment
      Tags:
        - Key: Name
          Value: !Sub "${Env}-vpc"
  Fn: !If [IsProd, !GetAtt A.Arn, 'b']
  Script: !Sub |
    echo one
    echo two
  Steps: !reference
    - .setup
    - script
  Db: !Include
    host: db
    password: hunter2
wifi:
  password: !secret wifi_pw
  ssid: &net !env_var SSID
  again: *net
  empty: !Tagged {}
"""
RULES = [None, EncryptionRules("encrypted_regex", "^password$"), EncryptionRules("unencrypted_regex", ".")]
TAMPERINGS = [
    ("CidrBlock: !Ref ", "CidrBlock: !GetAtt "),  # another tag on a scalar
    ("CidrBlock: !Ref ", "CidrBlock: "),  # a tag removed
    ("Type: ", "Type: !Ref "),  # a tag added
    ("Fn: !If", "Fn: !Or"),  # another tag on a collection
    ("Db: !Include", "Db:"),
    ("password: !secret", "password: !include"),
]


@pytest.mark.parametrize("rules", RULES, ids=["every value", "one key", "no value"])
@pytest.mark.parametrize("fast", ["1", "0"])
def test_tagged_files_come_back_byte_for_byte(age_identity: AgeIdentity, rules: EncryptionRules | None, fast: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_PATH_ENV, fast)
    sealed = seal_text(TEMPLATE, [age_identity.key], rules)
    assert decrypt_text(sealed) == TEMPLATE
    if rules is None:  # the tag stays outside the token: a reader without a key sees what the value means
        assert re.search(r"password: !secret ENC\[", sealed) and re.search(r"Script: !Sub ENC\[", sealed)
        assert "CidrBlock: !Ref ENC[" in sealed and "&net !env_var ENC[" in sealed
    for engine in ("c", "pure"):
        assert parsed(sealed, engine).tagged == parsed(TEMPLATE, engine).tagged
    assert len(parsed(TEMPLATE, "pure").tagged) == 10


@pytest.mark.parametrize("rules", RULES, ids=["every value", "one key", "no value"])
@pytest.mark.parametrize(("before", "after"), TAMPERINGS)
def test_a_changed_tag_breaks_the_seal(age_identity: AgeIdentity, rules: EncryptionRules | None, before: str,
                                       after: str) -> None:
    sealed = seal_text(TEMPLATE, [age_identity.key], rules)
    tampered = sealed.replace(before, after, 1)
    assert tampered != sealed
    with pytest.raises((IntegrityError, FormatError)):
        decrypt_text(tampered)


@pytest.mark.parametrize(("extract", "keypath"), [
    (None, "Resources.VPC.Properties.CidrBlock"), ("wifi.password", "wifi.password"),
    ("Resources.Fn", "Resources.Fn"), ("Resources.Db", "Resources.Db"),
    ("wifi.again", "wifi.again"),  # an alias of a tagged value holds its tag too
])
def test_readers_of_values_refuse_a_tagged_value_by_its_key_path(age_identity: AgeIdentity, tmp_path: Path,
                                                                  extract: str | None, keypath: str) -> None:
    path = tmp_path / "stack.enc.yaml"
    path.write_text(seal_text(TEMPLATE, [age_identity.key]), encoding="utf-8")
    with pytest.raises(FormatError) as info:
        load_secrets(str(path), redacted=False, extract=extract)
    assert info.value.keypath == keypath and "YAML tag" in info.value.message
    assert "VpcCIDR" not in str(info.value) and "!" not in info.value.message


def test_untagged_values_of_a_tagged_file_are_read(age_identity: AgeIdentity, tmp_path: Path) -> None:
    path = tmp_path / "stack.enc.yaml"
    path.write_text(seal_text(TEMPLATE, [age_identity.key]), encoding="utf-8")
    assert load_secrets(str(path), redacted=False, extract="Resources.Db.password") == "hunter2"
    assert load_secrets(str(path), redacted=False, extract="Resources.VPC.Type") == "AWS::EC2::VPC"
    assert load_secrets(str(path), redacted=False, extract="Resources.VPC.Properties.Tags.0.Key") == "Name"
    assert decrypt_text(path.read_text(encoding="utf-8"), extract="Resources.Fn") == (
        "!If [IsProd, !GetAtt A.Arn, 'b']\n")  # a YAML subtree keeps its tags


@pytest.mark.parametrize("fmt", ["json", "dotenv"])
def test_decrypt_to_another_syntax_and_export_sops_refuse(age_identity: AgeIdentity, fmt: str) -> None:
    sealed = seal_text(TEMPLATE, [age_identity.key])
    with pytest.raises(FormatError, match="YAML tag") as info:
        decrypt_text(sealed, output=get_store(fmt))
    assert info.value.keypath == "Resources.VPC.Properties.CidrBlock"
    with pytest.raises(FormatError, match="YAML tag"):
        export_sops(sealed, get_store("yaml"), kind="yaml")


@pytest.mark.parametrize(("tag", "value"), [
    ("!Rain::Module", "../../RainModules/vpc.yml"),  # aws-cloudformation-templates, 7 files
    ("!Rain::Constant", "BucketNamePrefix"),  # rain's own templates
    ("!Rain::S3Http", "lambda-src"),
    ("!RefAll", '"AWS::EC2::VPC::Id"'),  # a CloudFormation Rules assertion
])
def test_application_scalar_tags_seen_in_real_files_are_kept(age_identity: AgeIdentity, tag: str,
                                                              value: str) -> None:
    text = f"Resources:\n  Vpc:\n    Type: {tag} {value}  # kept\n    Name: vpc\n"
    sealed = seal_text(text, [age_identity.key])
    assert f"Type: {tag} ENC[" in sealed
    assert decrypt_text(sealed) == text


def test_the_cli_refuses_in_one_line(age_identity: AgeIdentity, tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "stack.enc.yaml"
    path.write_text(seal_text(TEMPLATE, [age_identity.key]), encoding="utf-8")
    for args in (["decrypt", "--output-type", "json"], ["decrypt", "--extract", "wifi.password"],
                 ["exec", str(path), "--", "true"]):
        result = run_cli(*args, *([] if args[0] == "exec" else [str(path)]))
        assert result.returncode != 0
        assert len(result.stderr.strip().splitlines()) == 1 and "YAML tag" in result.stderr
        assert "wifi_pw" not in result.stderr


def test_changes_keep_the_tags_but_of_the_node_set_over(age_identity: AgeIdentity) -> None:
    """A value set inside a tagged collection, an unset and a rotation keep every tag; a value set over a tagged
    node replaces it, tag and all, and says which tag went (it kept it: ``!secret wifi_pw`` set to the password
    gave ``!secret <the password>``, Home Assistant then looking up a secret of that name)."""
    sealed, dropped = seal_text(TEMPLATE, [age_identity.key]), list[str]()
    for keypath, value in [("Resources.Db.password", "x"), ("Resources.Steps[0]", ".other"),
                           ("wifi.password", "line one\nline two"),
                           ("Resources.VPC.Properties.CidrBlock", "10.0.0.0/16"),
                           ("Resources.Fn", "v"), ("wifi.ssid", "net2"), ("wifi.empty", {"a": 1})]:
        sealed = set_value(sealed, keypath, value, untag=dropped.append)
    sealed = rotate(unset_value(sealed, "Resources.Script"))
    assert dropped == ["!secret", "!Ref", "!If", "!env_var", "!Tagged"]
    assert decrypt_text(sealed) == (TEMPLATE.replace("password: !secret wifi_pw", "password: |-\n"
                                                     "    line one\n    line two")
                                    .replace("!Ref VpcCIDR", "10.0.0.0/16").replace("hunter2", "x")
                                    .replace(".setup", ".other").replace("!If [IsProd, !GetAtt A.Arn, 'b']", "v")
                                    .replace("&net !env_var SSID", "&net net2").replace(" !Tagged {}", "\n    a: 1")
                                    .replace("  Script: !Sub |\n    echo one\n    echo two\n", ""))
    assert set_value(sealed, "Resources.Db.password", "x", untag=dropped.append) == sealed  # unchanged: no tag


@pytest.mark.parametrize("fast", ["1", "0"])
def test_set_over_a_home_assistant_secret_stores_the_password_and_says_the_tag_went(
        age_identity: AgeIdentity, tmp_path: Path, run_cli: RunCli, fast: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_PATH_ENV, fast)
    path = tmp_path / "configuration.yaml"
    path.write_text(seal_text("http:\n  api_password: !secret http_pw\n  port: 8123\n", [age_identity.key]),
                    encoding="utf-8")
    result = run_cli("set", path.name, "http.api_password", "n3wpass", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[1:] == ["sealfile: warning: configuration.yaml: http.api_password: its tag "
                                              "!secret went with the value it held: set stores the value itself, "
                                              "untagged (to keep a tag, use sealfile edit)"]
    assert decrypt_text(path.read_text(encoding="utf-8")) == "http:\n  api_password: n3wpass\n  port: 8123\n"
    assert "tag" not in run_cli("set", path.name, "http.api_password", "n4wpass", cwd=tmp_path).stderr


RESPELLINGS = [  # each spells the tag !Ref otherwise: YAML resolves it to !Ref, the text is not !Ref
    ("", "!<!Ref> "),  # verbatim
    ("", "!R%65f "),  # a %-escape (ruamel decodes it byte by byte, PyYAML and libyaml as UTF-8)
    ("%TAG !e! !\n---\n", "!e!Ref "),  # a named handle
    ("%TAG !! !\n---\n", "!!Ref "),  # the secondary handle made local
    ("%TAG ! !R\n---\n", "!ef "),  # the primary handle given a prefix
]


@pytest.mark.parametrize(("directive", "spelling"), RESPELLINGS)
@pytest.mark.parametrize("fast", ["1", "0"])
def test_a_tag_is_sealed_as_written_or_refused(age_identity: AgeIdentity, directive: str, spelling: str, fast: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A tag spelled another way would enter the seal as the same entry: respelling it in a sealed file would keep
    the MAC, and readers that resolve spellings differently would read another tag. Only '!name' is taken."""
    monkeypatch.setenv(FAST_PATH_ENV, fast)
    sealed = seal_text(TEMPLATE, [age_identity.key])
    respelled = directive + sealed.replace("!Ref ", spelling, 1)
    for text in (respelled, directive + TEMPLATE.replace("!Ref ", spelling, 1)):
        with pytest.raises(FormatError, match="written as '!name'") as info:
            decrypt_text(text) if text is respelled else seal_text(text, [age_identity.key])
        assert info.value.keypath == "Resources.VPC.Properties.CidrBlock"


@pytest.mark.parametrize("value", ["''", "", "1", "x", "'x'"])
@pytest.mark.parametrize("fast", ["1", "0"])
def test_a_verbatim_bang_alone_is_refused(age_identity: AgeIdentity, value: str, fast: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """``!<!>`` is neither the non-specific ``!`` (a string) nor an application's tag: ruamel reads ``!<!> ''`` as a
    null, and its two engines disagree on ``!<!>`` with no value."""
    monkeypatch.setenv(FAST_PATH_ENV, fast)
    with pytest.raises(FormatError, match="written as '!name'") as info:
        seal_text(f"a: !<!> {value}\n", [age_identity.key])
    assert info.value.keypath == "a"


@pytest.mark.parametrize("merged", ["<<: *d", "<<: [*d]", "<<: !t {x: one}", "<<: [{y: 1}, !t {x: one}]"])
def test_a_mapping_merging_a_tagged_one_is_refused_as_the_tagged_one_is(age_identity: AgeIdentity, tmp_path: Path,
                                                                          merged: str) -> None:
    """A tagged mapping merged by an alias (``<<: *d``) or written in the merge key gives its keys to the merging
    mapping: that mapping's untagged value is not what the application reads, whichever way it was merged."""
    path = tmp_path / "app.enc.yaml"
    path.write_text(seal_text(f"d: &d !t {{x: one}}\ne:\n  {merged}\n  y: two\n", [age_identity.key]),
                    encoding="utf-8")
    for extract in ("e", None):
        with pytest.raises(FormatError, match="YAML tag") as info:
            load_secrets(str(path), redacted=False, extract=extract)
        assert info.value.keypath == "d" if extract is None else info.value.keypath.startswith('["e"]["<<"]')
    assert load_secrets(str(path), redacted=False, extract="e.y") == "two"


@pytest.mark.parametrize("fast", ["1", "0"])
def test_portable_output_keeps_the_tags_and_respells_around_them(age_identity: AgeIdentity, fast: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """``decrypt --portable`` checks that what it respells holds the file's data: a YAML loader that knows no
    application tag failed on every tagged file that had a value to respell (an internal error)."""
    monkeypatch.setenv(FAST_PATH_ENV, fast)
    text = TEMPLATE + "flags:\n  on: yes\n  tagged: !env_var no\n  list: !L [on, 012]\n"
    sealed = seal_text(text, [age_identity.key])
    assert decrypt_text(sealed, portable_output=True) == text.replace("on: yes", '"on": "yes"').replace(
        "[on, 012]", '["on", 12]')

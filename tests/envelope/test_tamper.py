"""Any change to a sealed file is detected before a value is returned.

Each case edits a sealed file as an attacker or a bad merge would: at the YAML level (swap,
move, delete, add a value; flip a token byte; change a plaintext value, the MAC, a wrapped key,
the rules, the version) or as raw text. ``load_secrets`` must raise a :class:`SealfileError`
subclass, and ``sealfile decrypt`` must exit non-zero with one stderr line, no traceback, no
secret, and leave the file as it was.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from sealfile.envelope.bulk import seal_many
from sealfile.errors import FormatError, IntegrityError, SealfileError, UnsupportedVersionError
from sealfile.model.paths import encode_path
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores import get_store
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity
from tests.support.sealing import forge_with_valid_mac

PLAINTEXT = """\
# service credentials
database:
  user: admin-user-value
  password: hunter2-secret-value
  port: 5432
  replicas:
    - host: replica-one-host
    - host: replica-two-host
api:
  token: tok-abcdef-secret
  region_unencrypted: eu-west-1-plain
"""
SECRETS = ["admin-user-value", "hunter2-secret-value", "replica-one-host", "replica-two-host",
           "tok-abcdef-secret"]


def _rt() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 1 << 30
    return yaml


def edit(text: str, change: Callable[[Any], None]) -> str:
    yaml = _rt()
    document = yaml.load(text)
    change(document)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def flip_token_byte(token: str) -> str:
    inner_start = len("ENC[") + 40  # inside the ciphertext, past version/time/IV
    char = token[inner_start]
    return token[:inner_start] + ("A" if char != "A" else "B") + token[inner_start + 1 :]


def _swap(d: Any) -> None:
    db = d["database"]
    db["user"], db["password"] = db["password"], db["user"]


def _swap_list(d: Any) -> None:
    reps = d["database"]["replicas"]
    reps[0]["host"], reps[1]["host"] = reps[1]["host"], reps[0]["host"]


def _move(d: Any) -> None:
    d["api"]["secret"] = d["database"].pop("password")


def _rename_key(d: Any) -> None:
    d["database"]["passwd"] = d["database"].pop("password")


def _copy_to_other_path(d: Any) -> None:
    d["api"]["token"] = d["database"]["password"]


def _delete(d: Any) -> None:
    del d["database"]["port"]


def _delete_list_item(d: Any) -> None:
    del d["database"]["replicas"][1]


def _add(d: Any) -> None:
    d["api"]["extra"] = d["api"]["token"]


def _add_plain(d: Any) -> None:
    d["api"]["note_unencrypted"] = "added"


def _flip(d: Any) -> None:
    d["api"]["token"] = flip_token_byte(d["api"]["token"])


def _plaintext_value(d: Any) -> None:
    d["api"]["region_unencrypted"] = "us-east-1"


def _decrypt_in_place(d: Any) -> None:
    d["database"]["port"] = 5432


def _mac(d: Any) -> None:
    mac = d["sealfile"]["mac"]
    d["sealfile"]["mac"] = ("A" if mac[0] != "A" else "B") + mac[1:]


def _mac_removed(d: Any) -> None:
    del d["sealfile"]["mac"]


def _mac_garbage(d: Any) -> None:
    d["sealfile"]["mac"] = "not base64 !!"


def _wrapped(d: Any) -> None:
    stanza = d["sealfile"]["recipients"][0]
    lines = str(stanza["wrapped"]).split("\n")
    line = lines[2]
    lines[2] = line[:10] + ("A" if line[10] != "A" else "B") + line[11:]
    stanza["wrapped"] = "\n".join(lines)


def _rule_changed(d: Any) -> None:
    d["sealfile"]["unencrypted_suffix"] = "_plain"


def _rule_swapped(d: Any) -> None:
    del d["sealfile"]["unencrypted_suffix"]
    d["sealfile"]["unencrypted_regex"] = "^region"


def _version(d: Any) -> None:
    d["sealfile"]["version"] = 3


def _version_string(d: Any) -> None:
    d["sealfile"]["version"] = "2"


def _recipients_not_list(d: Any) -> None:
    d["sealfile"]["recipients"] = "age1xyz"


def _recipients_empty(d: Any) -> None:
    d["sealfile"]["recipients"] = []


def _recipient_type_int(d: Any) -> None:
    d["sealfile"]["recipients"][0]["type"] = 7


def _recipient_unknown_type(d: Any) -> None:
    d["sealfile"]["recipients"][0]["type"] = "martian"


def _metadata_not_mapping(d: Any) -> None:
    d["sealfile"] = ["version", 1]


def _metadata_unknown_field(d: Any) -> None:
    d["sealfile"]["extra"] = True


def _metadata_missing(d: Any) -> None:
    del d["sealfile"]


def _rule_not_string(d: Any) -> None:
    d["sealfile"]["unencrypted_suffix"] = 3


def _mac_int(d: Any) -> None:
    d["sealfile"]["mac"] = 12


YAML_EDITS: dict[str, tuple[Callable[[Any], None], type[SealfileError]]] = {
    "swap two values": (_swap, IntegrityError),
    "swap two list items": (_swap_list, IntegrityError),
    "move a value": (_move, IntegrityError),
    "rename a key": (_rename_key, IntegrityError),
    "copy a token to another path": (_copy_to_other_path, IntegrityError),
    "delete a key": (_delete, IntegrityError),
    "delete a list item": (_delete_list_item, IntegrityError),
    "add a key": (_add, IntegrityError),
    "add a plaintext key": (_add_plain, IntegrityError),
    "alter a token byte": (_flip, IntegrityError),
    "alter a plaintext value": (_plaintext_value, IntegrityError),
    "replace a token by plaintext": (_decrypt_in_place, IntegrityError),
    "alter the MAC": (_mac, IntegrityError),
    "remove the MAC": (_mac_removed, FormatError),
    "MAC not base64": (_mac_garbage, IntegrityError),
    "MAC not a string": (_mac_int, FormatError),
    "alter a wrapped key": (_wrapped, SealfileError),
    "change the rule pattern": (_rule_changed, IntegrityError),
    "change the rule kind": (_rule_swapped, IntegrityError),
    "unknown version": (_version, UnsupportedVersionError),
    "version as a string": (_version_string, FormatError),
    "recipients not a list": (_recipients_not_list, FormatError),
    "recipients empty": (_recipients_empty, FormatError),
    "recipient type not a string": (_recipient_type_int, FormatError),
    "unknown recipient type": (_recipient_unknown_type, SealfileError),
    "metadata not a mapping": (_metadata_not_mapping, FormatError),
    "unknown metadata field": (_metadata_unknown_field, FormatError),
    "metadata missing": (_metadata_missing, FormatError),
    "rule not a string": (_rule_not_string, FormatError),
}

TEXT_EDITS: dict[str, Callable[[str], str]] = {
    "corrupt YAML": lambda t: t.replace("database:", "database: [", 1),
    "truncated file": lambda t: t[: len(t) // 2],
    "empty file": lambda t: "",
    "top level is a list": lambda t: "- a\n- b\n",
    "binary garbage": lambda t: "\x00\x01\x02",
}


@pytest.fixture
def sealed_text(age_identity: AgeIdentity) -> str:
    return seal_text(PLAINTEXT, [age_identity.key])


def test_untampered_file_opens(sealed_text: str, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(sealed_text)
    assert load_secrets(path)["database"]["password"] == "hunter2-secret-value"
    verify_text(sealed_text)


def _tampered(sealed_text: str, case: str) -> str:
    if case in YAML_EDITS:
        return edit(sealed_text, YAML_EDITS[case][0])
    return TEXT_EDITS[case](sealed_text)


ALL_CASES = [*YAML_EDITS, *TEXT_EDITS]


@pytest.mark.parametrize("case", ALL_CASES)
def test_load_secrets_refuses(sealed_text: str, tmp_path: Path, case: str) -> None:
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(_tampered(sealed_text, case))
    expected = YAML_EDITS[case][1] if case in YAML_EDITS else FormatError
    with pytest.raises(expected) as info:
        load_secrets(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    assert not any(secret in message for secret in SECRETS)


@pytest.mark.parametrize("case", list(YAML_EDITS))
def test_decrypt_text_and_verify_refuse(sealed_text: str, case: str) -> None:
    tampered = _tampered(sealed_text, case)
    with pytest.raises(SealfileError):
        decrypt_text(tampered)
    with pytest.raises(SealfileError):
        verify_text(tampered)


def test_value_errors_name_the_key_path(age_identity: AgeIdentity) -> None:
    """With a valid MAC, a forged token is still caught, and the message names its path."""
    def swap(tree: Any) -> None:
        tree["api"]["token"], tree["database"]["user"] = tree["database"]["user"], tree["api"]["token"]

    forged = forge_with_valid_mac(seal_text(PLAINTEXT, [age_identity.key]), swap)
    with pytest.raises(IntegrityError) as info:
        verify_text(forged)
    assert info.value.keypath in ("database.user", "api.token")
    assert "another key path" in str(info.value)


def _assert_one_line_refusal(path: Path, before: bytes, returncode: int, stdout: str, stderr: str) -> None:
    assert returncode == 1
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"sealfile: error: {path}: ")
    assert "Traceback" not in stderr
    assert stdout == ""
    assert not any(secret in stderr for secret in SECRETS)
    assert path.read_bytes() == before


@pytest.mark.parametrize("case", ALL_CASES)
def test_cli_decrypt_refuses_with_one_line(sealed_text: str, tmp_path: Path, case: str) -> None:
    """Every case through the real command group and error boundary, in-process (fast)."""
    from click.testing import CliRunner

    import sealfile.cli.commands  # noqa: F401  (registers the commands)
    from sealfile.cli.app import cli

    path = tmp_path / "secrets.enc.yaml"
    path.write_text(_tampered(sealed_text, case))
    before = path.read_bytes()
    result = CliRunner().invoke(cli, ["decrypt", str(path)], prog_name="sealfile")
    assert isinstance(result.exception, SystemExit), result.exception
    _assert_one_line_refusal(path, before, result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize("case", ["swap two values", "alter a wrapped key", "unknown version", "corrupt YAML"])
def test_cli_decrypt_refuses_in_a_subprocess(sealed_text: str, tmp_path: Path, run_cli: RunCli, case: str) -> None:
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(_tampered(sealed_text, case))
    before = path.read_bytes()
    result = run_cli("decrypt", path)
    _assert_one_line_refusal(path, before, result.returncode, result.stdout, result.stderr)


@pytest.mark.parametrize("payload", [b"i" + b"9" * 5000, b"iabc", b"i\xd9\xa2", b"t2024-13-45", b"d0000-00-00",
                                     b"s\xff\xfe", b"\xff", b"Z", b"n\xff"], ids=repr)
def test_a_token_holding_bytes_no_writer_makes_is_refused_in_one_line(age_identity: AgeIdentity, tmp_path: Path,
                                                                      run_cli: RunCli, payload: bytes) -> None:
    """Whoever writes a file chooses its data key, so a token authenticates whatever bytes they sealed:
    an integer of 5,000 digits, a date that does not exist or text that is not UTF-8 was an internal
    error (ValueError, UnicodeDecodeError) for load_secrets, decrypt and verify."""
    sealed = seal_text("a: 1\nb: hunter2-secret-value\n", [age_identity.key])
    data_key = read_document(sealed, get_store("yaml")).open().reuse().data_key
    token = seal_many(data_key, [(encode_path(("a",)), payload)], 1_700_000_000)[0]
    path = tmp_path / "forged.enc.yaml"
    path.write_text(forge_with_valid_mac(sealed, lambda tree: tree.__setitem__("a", token)))
    with pytest.raises(IntegrityError, match="a sealed value is malformed"):
        load_secrets(path)
    for command in ("decrypt", "verify"):
        done = run_cli(command, path)
        assert done.returncode == 1 and done.stderr == f"sealfile: error: {path}: a sealed value is malformed\n"

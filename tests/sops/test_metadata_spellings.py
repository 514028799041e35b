"""A SOPS file respelled by a formatter is still a SOPS file: the top-level ``sops`` key quoted, escaped,
tagged, indented, or the whole file a flow mapping, reads as ``sops`` to the store's parser, and the real
``sops`` opens it. sealfile recognised only ``sops:`` at the start of a line (``"sops":`` in JSON) and
called such a file "not a sealed file"; it now reads it, and still refuses it tampered."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import IntegrityError
from sealfile.ops.import_sops import import_sops
from tests.sops import tampering
from tests.sops.conftest import AgeIdentity, assert_same, run_sops, sealfile_cli, sops_decrypt, sops_encrypt

PLAIN = "a: 1\nb_unencrypted: x\nlist: [1, two]\nnested: {c: 2024-05-01}\n"


def _flow(text: str) -> str:
    from ruamel.yaml import YAML

    return json.dumps(YAML(typ="safe").load(text), default=str)


YAML_SPELLINGS: dict[str, Callable[[str], str]] = {
    "double-quoted": lambda t: t.replace("\nsops:", '\n"sops":'),
    "single-quoted": lambda t: t.replace("\nsops:", "\n'sops':"),
    "escaped": lambda t: t.replace("\nsops:", '\n"\\x73ops":'),
    "space before the colon": lambda t: t.replace("\nsops:", "\nsops :"),
    "tagged": lambda t: t.replace("\nsops:", "\n!!str sops:"),
    "explicit key": lambda t: t.replace("\nsops:", "\n? sops\n:"),
    "indented": lambda t: "".join("  " + line for line in t.splitlines(keepends=True)),
    "flow mapping": _flow,
}


@pytest.fixture
def keyed(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> AgeIdentity:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(sops_identity.key_file))
    sealfile.forget_data_keys()
    return sops_identity


def _respelled(tmp_path: Path, identity: AgeIdentity, suffix: str, respell: Callable[[str], str]) -> Path:
    plain = tmp_path / f"plain{suffix}"
    plain.write_text(PLAIN if suffix == ".yaml" else json.dumps({"a": 1, "b_unencrypted": "x", "list": [1, "two"]}))
    made = sops_encrypt(plain, tmp_path / f"made{suffix}", "--age", identity.recipient)
    respelled = tmp_path / f"respelled{suffix}"
    respelled.write_text(respell(made.read_text()))
    assert respelled.read_text() != made.read_text()
    return respelled


def _check(respelled: Path, identity: AgeIdentity) -> None:
    shown = sops_decrypt(respelled, identity.key_file)  # the real sops opens it
    assert_same(sealfile.load_secrets(respelled, redacted=False), shown)
    done = sealfile_cli("decrypt", "--output-type", "json", str(respelled))
    assert done.returncode == 0, done.stderr
    assert done.stdout == run_sops(["decrypt", "--output-type", "json", str(respelled)]).stdout
    imported = import_sops(respelled.read_text(), path=str(respelled)).sealed
    converted = respelled.with_name("converted.yaml")
    converted.write_text(imported)
    assert_same(sealfile.load_secrets(converted, redacted=False), shown)
    tampered = respelled.with_name(f"tampered{respelled.suffix}")
    flipped = tampering.flip_data(respelled.read_text())
    assert flipped is not None
    tampered.write_text(flipped)
    assert run_sops(["decrypt", str(tampered)]).returncode != 0
    with pytest.raises(IntegrityError):
        sealfile.load_secrets(tampered)


@pytest.mark.parametrize("spelling", list(YAML_SPELLINGS))
def test_a_yaml_file_whose_metadata_key_is_respelled(spelling: str, keyed: AgeIdentity, tmp_path: Path) -> None:
    _check(_respelled(tmp_path, keyed, ".yaml", YAML_SPELLINGS[spelling]), keyed)


def test_a_json_file_whose_metadata_key_is_escaped(keyed: AgeIdentity, tmp_path: Path) -> None:
    """Go's decoder reads ``"\\u0073ops"`` as ``sops``."""
    _check(_respelled(tmp_path, keyed, ".json", lambda t: t.replace('"sops":', '"\\u0073ops":')), keyed)


def test_a_file_whose_values_look_encrypted_without_metadata_is_no_sops_file(tmp_path: Path) -> None:
    """The parse behind the markers asks for the mapping SOPS asks for: text that only quotes a token is not one."""
    quoted = tmp_path / "notes.yaml"
    quoted.write_text('"example": "ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]"\n"sops": "a word"\n')
    assert sealfile.sops.detect(quoted.read_text(), str(quoted)) is None

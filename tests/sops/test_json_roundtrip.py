"""A SOPS JSON file in and back out: ``import-sops`` then ``export-sops`` gives what ``sops decrypt`` gave.

SOPS's JSON store holds every number as a float64 and the strings as they are; the way through a
sealed file must keep both, nested values included.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sealfile
from sealfile.ops.export_sops import export_sops
from sealfile.ops.import_sops import import_sops
from sealfile.stores import store_for
from tests.sops.conftest import AgeIdentity, assert_same, run_sops, sops_encrypt


@pytest.fixture(autouse=True)
def sops_key(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))


def _sops_json(plain_text: str, tmp_path: Path, identity: AgeIdentity, *flags: str) -> tuple[Path, str]:
    plain = tmp_path / "plain.json"
    plain.write_text(plain_text)
    sealed = sops_encrypt(plain, tmp_path / "sops.json", "--age", identity.recipient, *flags)
    shown = run_sops(["decrypt", str(sealed)])
    assert shown.returncode == 0, shown.stderr
    return sealed, shown.stdout


LINE_BREAKING = {"top": "a\u2028b", "nested": {"line": "a\u2028b", "paragraph": "c\u2029d", "next": "e\u0085f",
                                             "list": ["g\u2028h", {"deep": "i\u2029j"}]}}
"""Characters YAML emitters may fold as line breaks (the sealed file is YAML by default)."""


@pytest.mark.parametrize("output", ["sealed.yaml", "sealed.json"])
def test_nested_line_breaking_characters_import(output: str, sops_identity: AgeIdentity, tmp_path: Path) -> None:
    sops_file, shown = _sops_json(json.dumps(LINE_BREAKING), tmp_path, sops_identity)
    imported = import_sops(sops_file.read_text(), path=str(sops_file), output=store_for(Path(output)))
    target = tmp_path / output
    target.write_text(imported.sealed)
    assert_same(sealfile.load_secrets(target, redacted=False), json.loads(shown))


BIG_NUMBERS = """{
  "beyond_int64": 1e20,
  "uint64_max": 18446744073709551615,
  "id": 123456789012345678,
  "plain_unencrypted": {"beyond_int64": 1e20, "id": 123456789012345678, "exact": 9007199254740993}
}
"""
"""JSON numbers SOPS reads as float64s that print as integers beyond 2**53 (and beyond int64)."""


@pytest.mark.parametrize("sealed_name", ["sealed.json", "sealed.yaml"])
def test_big_json_numbers_go_back_to_sops(sealed_name: str, sops_identity: AgeIdentity, tmp_path: Path) -> None:
    sops_file, shown = _sops_json(BIG_NUMBERS, tmp_path, sops_identity)
    assert '"uint64_max": 18446744073709552000' in shown and '"exact": 9007199254740992' in shown
    sealed = tmp_path / sealed_name
    sealed.write_text(import_sops(sops_file.read_text(), path=str(sops_file), output=store_for(sealed)).sealed)

    back = tmp_path / "back.json"
    back.write_text(export_sops(sealed.read_text(), store_for(sealed), kind="json").text)
    again = run_sops(["decrypt", str(back)])
    assert again.returncode == 0, again.stderr
    assert again.stdout == shown
    assert run_sops(["rotate", "-i", str(back)]).returncode == 0
    assert run_sops(["decrypt", str(back)]).stdout == shown


@pytest.mark.parametrize(("name", "plain_text"), [("empty.json", "{}\n"), ("empty.yaml", "{}\n"), ("empty.env", "")])
def test_a_sops_file_without_values_imports(name: str, plain_text: str, sops_identity: AgeIdentity,
                                            tmp_path: Path) -> None:
    """A SOPS file without values becomes a sealed file without values, in YAML (its empty mapping
    holds no key, and the metadata follows it) as in JSON."""
    plain = tmp_path / f"plain-{name}"
    plain.write_text(plain_text)
    suffix = Path(name).suffix.lstrip(".").replace("env", "dotenv")
    sops_file = sops_encrypt(plain, tmp_path / name, "--age", sops_identity.recipient,
                             "--input-type", suffix, "--output-type", suffix)
    as_yaml = tmp_path / "sealed.yaml"
    as_yaml.write_text(import_sops(sops_file.read_text(), path=str(sops_file)).sealed)
    assert dict(sealfile.load_secrets(as_yaml, redacted=False)) == {}

    sealed = tmp_path / "sealed.json"
    sealed.write_text(import_sops(sops_file.read_text(), path=str(sops_file), output=store_for(sealed)).sealed)
    assert dict(sealfile.load_secrets(sealed, redacted=False)) == {}
    back = tmp_path / "back.json"
    back.write_text(export_sops(sealed.read_text(), store_for(sealed), kind="json").text)
    assert json.loads(run_sops(["decrypt", str(back)]).stdout) == {}

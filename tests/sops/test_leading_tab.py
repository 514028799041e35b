"""A string of several lines that starts with a tab, against the real sops: a YAML block reads its
indentation from its first line, where YAML readers refuse a tab, so it is printed double-quoted
(yaml.v3 prints such a string as null: go-yaml issue 383). ``sealfile decrypt`` and ``import-sops``
of a SOPS file holding one, and ``export-sops`` of a sealed file holding one, keep the value."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import sealfile
from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_plaintext
from sealfile.stores import get_store
from sealfile.stores.yaml import reader as yaml_store
from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli

VALUES = {"tab_break": "\t\n", "tab_text": "\tx\n", "tabs": "\t\tq\nr", "later_tab": "a\n\tb"}
PLAINTEXT = "".join(f"{key}: {json.dumps(value)}\n" for key, value in VALUES.items())


@pytest.fixture
def keys(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    return {**os.environ}


def _sops_json(path: Path, env: dict[str, str]) -> object:
    done = run_sops(["decrypt", "--output-type", "json", str(path)], env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_sops_file_holding_one_decrypts_and_imports(sops_identity: AgeIdentity, keys: dict[str, str],
                                                      tmp_path: Path) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text(PLAINTEXT)
    encrypted = run_sops(["encrypt", "--age", sops_identity.recipient, str(plain)], keys)
    assert encrypted.returncode == 0, encrypted.stderr
    sops_file = tmp_path / "secrets.yaml"
    sops_file.write_text(encrypted.stdout)
    assert _sops_json(sops_file, keys) == VALUES
    shown = sealfile_cli("decrypt", str(sops_file), env=keys)
    assert shown.returncode == 0, shown.stderr
    assert yaml_store.load_fast(shown.stdout) == VALUES
    imported = tmp_path / "imported.yaml"
    done = sealfile_cli("import-sops", str(sops_file), "-o", str(imported), env=keys)
    assert done.returncode == 0, done.stderr
    assert dict(sealfile.load_secrets(imported, redacted=False)) == VALUES


def test_export_keeps_one_and_says_sops_decrypt_prints_null(sops_identity: AgeIdentity, keys: dict[str, str],
                                                            tmp_path: Path) -> None:
    sealed = tmp_path / "s.yaml"
    text = PLAINTEXT + "".join(f"{key}_unencrypted: {json.dumps(value)}\n" for key, value in VALUES.items())
    sealed.write_text(seal_plaintext(text, get_store("yaml"), [AgeKey(sops_identity.recipient)]))
    target = tmp_path / "out.yaml"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=keys)
    assert done.returncode == 0, done.stderr
    assert "sops decrypt prints these strings as null" in done.stderr and "tab_text_unencrypted" in done.stderr
    assert _sops_json(target, keys) == {**VALUES, **{f"{key}_unencrypted": value for key, value in VALUES.items()}}

"""``sealfile decrypt`` and ``sealfile import-sops`` on SOPS files, through a real subprocess."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import sealfile
from sealfile.stores.yaml import reader as yaml_store
from tests.sops.conftest import AgeIdentity, assert_same, parse, sealfile_cli, sops_decrypt, sops_encrypt
from tests.sops.documents import JSON_DOCUMENT, YAML_DOCUMENT


@pytest.fixture(scope="module")
def sops_files(sops_identity: AgeIdentity, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("cli")
    files = {}
    for name, text in (("app.yaml", YAML_DOCUMENT), ("app.json", JSON_DOCUMENT)):
        plain = work / name
        plain.write_text(text, encoding="utf-8")
        files[name] = sops_encrypt(plain, work / f"{plain.stem}.sops{plain.suffix}", "--age", sops_identity.recipient)
    return files


@pytest.fixture
def env(sops_identity: AgeIdentity) -> dict[str, str]:
    return {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}


@pytest.mark.parametrize("name", ["app.yaml", "app.json"])
def test_decrypt_prints_what_sops_prints(name: str, sops_files: dict[str, Path], sops_identity: AgeIdentity,
                                         env: dict[str, str]) -> None:
    done = sealfile_cli("decrypt", str(sops_files[name]), env=env)
    assert done.returncode == 0, done.stderr
    if name.endswith(".json"):
        json.loads(done.stdout)  # JSON for a SOPS JSON file, as `sops decrypt` prints
    assert_same(parse(done.stdout, sops_files[name]), sops_decrypt(sops_files[name], sops_identity.key_file))


def test_decrypt_shows_comments_and_extracts(sops_files: dict[str, Path], env: dict[str, str]) -> None:
    done = sealfile_cli("decrypt", str(sops_files["app.yaml"]), env=env)
    assert "# top comment" in done.stdout and "# who connects" in done.stdout and "ENC[" not in done.stdout
    assert "# the second replica" in done.stdout  # SOPS stores comments in lists as items
    done = sealfile_cli("decrypt", "--extract", "database.port", str(sops_files["app.yaml"]), env=env)
    assert (done.returncode, done.stdout) == (0, "5432\n")


def test_decrypt_without_key_is_one_clear_line(sops_files: dict[str, Path]) -> None:
    done = sealfile_cli("decrypt", str(sops_files["app.json"]))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "no recipient could open the data key" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("name", ["app.yaml", "app.json"])
def test_import_sops_gives_a_verified_sealed_file_with_the_same_data(
    name: str, sops_files: dict[str, Path], sops_identity: AgeIdentity, env: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "secrets.enc.yaml"
    done = sealfile_cli("import-sops", str(sops_files[name]), "-o", str(out), env=env)
    assert done.returncode == 0, done.stderr
    sealed_env = {**os.environ, "SEALFILE_AGE_KEY_FILE": str(sops_identity.key_file)}  # sealfile's own key source
    verified = sealfile_cli("verify", str(out), env=sealed_env)
    assert verified.returncode == 0, verified.stderr
    sealed = yaml_store.load_fast(out.read_text())
    assert [r["recipient"] for r in sealed["sealfile"]["recipients"]] == [sops_identity.recipient]
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(sops_identity.key_file))
    assert_same(sealfile.load_secrets(out), sops_decrypt(sops_files[name], sops_identity.key_file))


def test_import_sops_keeps_comments_rule_and_in_place(sops_files: dict[str, Path], env: dict[str, str],
                                                      tmp_path: Path) -> None:
    target = tmp_path / "app.yaml"
    target.write_text(sops_files["app.yaml"].read_text())
    done = sealfile_cli("import-sops", "-i", str(target), env=env)
    assert done.returncode == 0 and done.stdout == "", done.stderr
    text = target.read_text()
    assert "sops:" not in text and "sealfile:" in text
    assert "# top comment" in text and "# who connects" in text
    assert "region: eu-west-1" in text  # unencrypted_suffix, as in the SOPS file
    assert "admin" not in text

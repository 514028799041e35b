"""Keys a SOPS file repeats. An INI file may repeat a section: ``sops decrypt`` prints both copies and INI
readers (go-ini, configparser with ``strict=False``) merge them, but ``load_secrets`` and ``import-sops`` kept
the last copy alone, dropping the first's keys without a word. A JSON or dotenv file may repeat a key: every
reader keeps the last value, and ``import-sops`` now names the key paths whose earlier values it leaves out.
Files written by the real ``sops``."""

from __future__ import annotations

import configparser
import os
from pathlib import Path

import pytest

import sealfile
from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

INI = "[s1]\na = 1\nc = 5\n[s2]\nx = 2\n[s1]\nb = 3\na = 4\n"


@pytest.fixture
def env(sops_identity: AgeIdentity) -> dict[str, str]:
    return {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}


def test_a_repeated_ini_section_is_merged_as_ini_readers_merge_it(sops_identity: AgeIdentity, env: dict[str, str],
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plain.ini").write_text(INI)
    sops_file = sops_encrypt(tmp_path / "plain.ini", tmp_path / "app.ini", "--age", sops_identity.recipient, env=env)
    shown = run_sops(["decrypt", str(sops_file)], env)
    assert shown.stdout.count("[s1]") == 2
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(shown.stdout)
    readers = {name: dict(parser[name]) for name in parser.sections()}
    assert readers == {"s1": {"a": "4", "c": "5", "b": "3"}, "s2": {"x": "2"}}
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    loaded = sealfile.load_secrets(sops_file)
    assert {name: loaded[name] for name in readers} == readers
    sealed = tmp_path / "app.enc.yaml"
    done = sealfile_cli("import-sops", str(sops_file), "-o", str(sealed), env=env)
    assert done.returncode == 0, done.stderr
    out = sealfile_cli("decrypt", "--output-type", "json", str(sealed), env=env)
    assert '"c": "5"' in out.stdout and '"a": "4"' in out.stdout and '"b": "3"' in out.stdout, out.stderr
    assert "s1.a" in done.stderr and "repeats" in done.stderr  # a is given twice across the copies


def test_import_names_the_keys_a_json_file_repeats(sops_identity: AgeIdentity, env: dict[str, str],
                                                   tmp_path: Path) -> None:
    (tmp_path / "plain.json").write_text('{"a": 1, "a": 2, "b": {"c": [1], "c": "x"}, "d": 3}')
    sops_file = sops_encrypt(tmp_path / "plain.json", tmp_path / "app.json", "--age", sops_identity.recipient, env=env)
    done = sealfile_cli("import-sops", str(sops_file), "-o", str(tmp_path / "app.enc.json"), env=env)
    assert done.returncode == 0, done.stderr
    assert "repeats these keys" in done.stderr and ": a, b.c\n" in done.stderr

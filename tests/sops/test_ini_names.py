"""A file named ``*.ini`` is read as INI by every program that reads it (``sops`` among them), and sealfile
seals no INI syntax: plaintext written to such a name is INI, and no sealed file is written under one (it
would hold YAML that ``sops decrypt``'s readers took for INI). Real ``sops`` writes every SOPS file here."""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

INI = "; top\n[db]\nuser = admin\npass = s3cr3t\n\n[other]\nport = 5432\n"
DATA = {"db": {"user": "admin", "pass": "s3cr3t"}, "other": {"port": "5432"}}


@pytest.fixture
def env(sops_identity: AgeIdentity) -> dict[str, str]:
    return {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}


@pytest.fixture
def sops_ini(sops_identity: AgeIdentity, tmp_path: Path) -> Path:
    plain = tmp_path / "plain.ini"
    plain.write_text(INI)
    return sops_encrypt(plain, tmp_path / "app.ini", "--age", sops_identity.recipient)


def _sections(text: str) -> dict[str, dict[str, str]]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)  # YAML here raises MissingSectionHeaderError
    return {name: dict(parser[name]) for name in parser.sections()}


def _sealed(sops_ini: Path, env: dict[str, str]) -> Path:
    sealed = sops_ini.with_name("app.enc.yaml")
    done = sealfile_cli("import-sops", str(sops_ini), "-o", str(sealed), env=env)
    assert done.returncode == 0, done.stderr
    return sealed


def test_decrypt_to_an_ini_name_writes_ini_from_every_file(sops_ini: Path, sops_identity: AgeIdentity,
                                                            env: dict[str, str], tmp_path: Path) -> None:
    sops_yaml = tmp_path / "app.yaml"
    sops_encrypt(sops_ini.with_name("plain.ini"), sops_yaml, "--age", sops_identity.recipient, "--output-type",
                 "yaml", env=env)
    for source in (sops_ini, sops_yaml, _sealed(sops_ini, env)):
        out = tmp_path / f"{source.stem}-out.ini"
        done = sealfile_cli("decrypt", str(source), "-o", str(out), env=env)
        assert done.returncode == 0, done.stderr
        assert _sections(out.read_text()) == DATA, source.name
    done = sealfile_cli("decrypt", "--output-type", "ini", str(_sealed(sops_ini, env)), env=env)
    assert done.returncode == 0, done.stderr
    assert _sections(done.stdout) == DATA


def test_a_sealed_file_that_is_no_ini_file_is_refused_as_ini_in_one_line(env: dict[str, str],
                                                                         sops_identity: AgeIdentity,
                                                                         tmp_path: Path) -> None:
    plain = tmp_path / "nested.yaml"
    plain.write_text("top: 1\n")
    sealed = tmp_path / "nested.enc.yaml"
    done = sealfile_cli("encrypt", "--age", sops_identity.recipient, str(plain), "-o", str(sealed), env=env)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "x.ini"
    done = sealfile_cli("decrypt", str(sealed), "-o", str(out), env=env)
    assert done.returncode == 1 and not out.exists()
    assert len(done.stderr.splitlines()) == 1 and "top" in done.stderr and "INI" in done.stderr


@pytest.mark.parametrize("how", [("-i",), ("-o", "converted.ini")])
def test_import_sops_writes_no_sealed_file_under_an_ini_name(how: tuple[str, ...], sops_ini: Path,
                                                              env: dict[str, str]) -> None:
    before = sops_ini.read_bytes()
    args = [a if a != "converted.ini" else str(sops_ini.with_name(a)) for a in how]
    done = sealfile_cli("import-sops", str(sops_ini), *args, env=env)
    assert done.returncode == 1
    assert sops_ini.read_bytes() == before and not sops_ini.with_name("converted.ini").exists()
    assert len(done.stderr.splitlines()) == 1 and ".enc.yaml" in done.stderr and "INI" in done.stderr


def test_the_conversion_a_writer_names_for_a_sops_ini_file_works(sops_ini: Path, env: dict[str, str]) -> None:
    done = sealfile_cli("set", str(sops_ini), "db.user", "bob", env=env)
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    command = done.stderr.split("'sealfile ")[1].split("'")[0].split()
    done = sealfile_cli(*command, env=env)
    assert done.returncode == 0, done.stderr
    sealed = sops_ini.with_name("app.enc.yaml")
    done = sealfile_cli("set", str(sealed), "db.user", "bob", env=env)
    assert done.returncode == 0, done.stderr
    back = sops_ini.with_name("back.yaml")
    done = sealfile_cli("export-sops", str(sealed), "-o", str(back), env=env)
    assert done.returncode == 0, done.stderr
    shown = run_sops(["decrypt", "--output-type", "ini", str(back)], env)
    assert shown.returncode == 0, shown.stderr
    assert _sections(shown.stdout) == {**DATA, "db": {"user": "bob", "pass": "s3cr3t"}}


def _json_sections(text: str) -> Any:
    return {name: section for name, section in json.loads(text).items() if section}  # go-ini's empty DEFAULT


@pytest.mark.parametrize(("name", "parsed"), [("app.ini", _sections), ("app.json", _json_sections)])
def test_exec_file_gives_the_syntax_its_pipes_name_says(name: str, parsed: Callable[[str], Any], sops_ini: Path,
                                                        env: dict[str, str]) -> None:
    done = sealfile_cli("exec-file", "--filename", name, str(_sealed(sops_ini, env)), "--", "cat", "{}", env=env)
    assert done.returncode == 0, done.stderr
    assert parsed(done.stdout) == DATA
    done = sealfile_cli("exec-file", "--filename", name, "--output-type", "yaml", str(_sealed(sops_ini, env)), "--",
                        "cat", "{}", env=env)
    assert done.returncode == 2 and "--output-type yaml" in done.stderr

"""``decrypt -o FILE`` writes the syntax FILE's name gives: other programs read the file by its name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dotenv import dotenv_values

from sealfile.ops.seal import seal_text
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity
from tests.support.values import safe_load

PLAINTEXT = """\
# settings
database:
  host: db.internal   # the primary
  password: "hunter2"
port: 5432
"""
DATA = {"database": {"host": "db.internal", "password": "hunter2"}, "port": 5432}


@pytest.fixture
def sealed(age_identity: AgeIdentity, tmp_path: Path) -> Path:
    out = tmp_path / "secrets.enc.yaml"
    out.write_text(seal_text(PLAINTEXT, [age_identity.key]))
    return out


def test_a_json_name_gets_json(run_cli: RunCli, sealed: Path, tmp_path: Path) -> None:
    out = tmp_path / "prod.json"
    done = run_cli("decrypt", sealed, "-o", out)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text()) == DATA


def test_a_dotenv_name_gets_dotenv(run_cli: RunCli, sealed: Path, tmp_path: Path) -> None:
    out = tmp_path / ".env"
    done = run_cli("decrypt", sealed, "-o", out)
    assert done.returncode == 0, done.stderr
    assert dotenv_values(out) == {"DATABASE_HOST": "db.internal", "DATABASE_PASSWORD": "hunter2", "PORT": "5432"}


@pytest.mark.parametrize("name", ["plain.yaml", "plain.yml", "plain.txt", "plain"])
def test_the_files_own_syntax_keeps_its_layout(run_cli: RunCli, sealed: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    done = run_cli("decrypt", sealed, "-o", out)
    assert done.returncode == 0, done.stderr
    assert out.read_text() == PLAINTEXT


def test_a_dotenv_file_into_a_dotenv_name_keeps_its_layout(run_cli: RunCli, age_identity: AgeIdentity,
                                                            tmp_path: Path) -> None:
    text = "# the database\nDB_PASSWORD=hunter2  # rotated monthly\n\nPORT=5432\n"
    sealed = tmp_path / ".env.enc"
    encrypted = run_cli("encrypt", "--age", age_identity.recipient, "--input-type", "dotenv", "-", "-o", sealed,
                        input=text)
    assert encrypted.returncode == 0, encrypted.stderr
    done = run_cli("decrypt", sealed, "-o", tmp_path / ".env")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / ".env").read_text() == text


def test_several_files_into_a_json_name(run_cli: RunCli, sealed: Path, age_identity: AgeIdentity,
                                        tmp_path: Path) -> None:
    other = tmp_path / "more.enc.yaml"
    other.write_text(seal_text("port: 6543\n", [age_identity.key]))
    out = tmp_path / "merged.json"
    done = run_cli("decrypt", sealed, other, "-o", out)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text()) == {**DATA, "port": 6543}


def test_output_type_decides_where_the_name_agrees(run_cli: RunCli, sealed: Path, tmp_path: Path) -> None:
    out = tmp_path / "secret.yaml"
    done = run_cli("decrypt", sealed, "--output-type", "k8s-secret", "--name", "web", "-o", out)
    assert done.returncode == 0, done.stderr
    assert safe_load(out.read_text())["kind"] == "Secret"


@pytest.mark.parametrize(("output_type", "name"), [("yaml", "x.json"), ("json", ".env"), ("dotenv", "x.yaml"),
                                                   ("k8s-secret", "x.json")])
def test_an_output_type_the_name_contradicts_is_refused(run_cli: RunCli, sealed: Path, tmp_path: Path,
                                                        output_type: str, name: str) -> None:
    out = tmp_path / name
    done = run_cli("decrypt", sealed, "--output-type", output_type, "--name", "web", "-o", out) \
        if output_type == "k8s-secret" else run_cli("decrypt", sealed, "--output-type", output_type, "-o", out)
    assert done.returncode == 2, done.stderr
    assert f"-o {out} names a" in done.stderr and f"--output-type {output_type} writes" in done.stderr
    assert not out.exists()


def test_extract_writes_the_value_as_it_is(run_cli: RunCli, sealed: Path, tmp_path: Path) -> None:
    out = tmp_path / "password.json"
    done = run_cli("decrypt", sealed, "--extract", "database.password", "-o", out)
    assert done.returncode == 0, done.stderr
    assert out.read_text() == "hunter2"


def test_standard_output_keeps_the_files_own_syntax(run_cli: RunCli, sealed: Path) -> None:
    done = run_cli("decrypt", sealed, "-o", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout == PLAINTEXT


def test_a_dotenv_tools_file_seals_and_opens_by_its_name(run_cli: RunCli, age_identity: AgeIdentity,
                                                         tmp_path: Path) -> None:
    text = "# production\nexport API_KEY='k-123'\nDEBUG=false\n"
    (tmp_path / ".env.production").write_text(text)
    sealed = tmp_path / ".env.production.enc"
    done = run_cli("encrypt", "--age", age_identity.recipient, ".env.production", "-o", sealed.name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "k-123" not in sealed.read_text() and "sealfile_version=" in sealed.read_text()
    opened = run_cli("decrypt", sealed.name, "-o", ".env.production.out", cwd=tmp_path)
    assert opened.returncode == 0, opened.stderr
    assert (tmp_path / ".env.production.out").read_text() == text

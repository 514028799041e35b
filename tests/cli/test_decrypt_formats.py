from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import dotenv
import pytest
from click.testing import CliRunner

from sealfile.cli import commands  # noqa: F401  (registers the commands)
from sealfile.cli.app import cli
from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import RunCli
from tests.support.k8s_schema import validate_secret_manifest
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

PLAINTEXT = """\
# the application's database
database:
  # kept quoted
  password: 'pa$$ word'
  port: 5432
tls:
  key: |
    -----BEGIN KEY-----
    MIIabc
    -----END KEY-----
"""
FLAT = {
    "DATABASE_PASSWORD": "pa$$ word", "DATABASE_PORT": "5432",
    "TLS_KEY": "-----BEGIN KEY-----\nMIIabc\n-----END KEY-----\n",
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_yaml_is_the_default_and_keeps_the_layout(seal_file: SealFile) -> None:
    code, out, _ = run("decrypt", str(seal_file(PLAINTEXT)))
    assert code == 0 and out == PLAINTEXT
    code, same, _ = run("decrypt", "--output-type", "yaml", str(seal_file(PLAINTEXT, name="b.enc.yaml")))
    assert same == PLAINTEXT


def test_json(seal_file: SealFile) -> None:
    code, out, _ = run("decrypt", "--output-type", "json", str(seal_file(PLAINTEXT)))
    assert code == 0 and json.loads(out)["database"] == {"password": "pa$$ word", "port": 5432}


def test_format_is_still_read_as_the_old_spelling_of_output_type(seal_file: SealFile) -> None:
    path = str(seal_file(PLAINTEXT))
    assert run("decrypt", "--format", "json", path) == run("decrypt", "--output-type", "json", path)
    assert "--format" not in run("decrypt", "--help")[1]  # one documented way


def test_dotenv(seal_file: SealFile) -> None:
    code, out, _ = run("decrypt", "--output-type", "dotenv", str(seal_file(PLAINTEXT)))
    assert code == 0
    assert dict(dotenv.dotenv_values(stream=io.StringIO(out), interpolate=False)) == FLAT


def test_dotenv_with_prefix_and_extract(seal_file: SealFile) -> None:
    code, out, _ = run("decrypt", "--output-type", "dotenv", "--prefix", "APP_", "--extract", "database",
                       str(seal_file(PLAINTEXT)))
    assert code == 0 and out == "APP_PASSWORD='pa$$ word'\nAPP_PORT='5432'\n"


def test_dotenv_output_of_a_dotenv_file_has_load_envs_names_and_the_prefix(age_key: AgeKey, tmp_path: Path,
                                                                            run_cli: RunCli) -> None:
    """As for every other file: the names exec and load_env give (db.url -> DB_URL), --prefix applied;
    the file's own text, layout kept, is what decrypt prints without --output-type."""
    plaintext = "db.url=x  # a comment\nexport K='1'\n"
    path = str(tmp_path / "app.env")
    Path(path).write_text(seal_text(plaintext, [age_key], store=get_store("dotenv")), encoding="utf-8")
    assert run("decrypt", path)[1] == plaintext
    assert run("decrypt", "--output-type", "dotenv", path)[1] == "DB_URL='x'\nK='1'\n"
    assert run("decrypt", "--output-type", "dotenv", "--prefix", "APP_", path)[1] == "APP_DB_URL='x'\nAPP_K='1'\n"
    result = run_cli("decrypt", "--output-type", "dotenv", "--prefix", "APP_", path)  # the fast path too
    assert result.stdout == "APP_DB_URL='x'\nAPP_K='1'\n"


def test_k8s_secret(seal_file: SealFile, tmp_path: Path) -> None:
    target = tmp_path / "secret.yaml"
    code, _, _ = run("decrypt", "--output-type", "k8s-secret", "--name", "web-secrets", "--namespace", "prod",
                     "-o", str(target), str(seal_file(PLAINTEXT)))
    assert code == 0 and target.stat().st_mode & 0o777 == 0o600
    manifest = validate_secret_manifest(target.read_text())
    assert manifest["metadata"] == {"name": "web-secrets", "namespace": "prod"}
    assert {k: base64.b64decode(v).decode() for k, v in manifest["data"].items()} == FLAT


@pytest.mark.parametrize(("args", "complaint"), [
    (["--output-type", "k8s-secret"], "needs --name"),
    (["--output-type", "json", "--name", "x"], "go with --output-type k8s-secret"),
    (["--prefix", "APP_"], "--prefix goes with"),
    (["--output-type", "toml"], "Invalid value for '--output-type'"),
])
def test_usage_errors(seal_file: SealFile, args: list[str], complaint: str) -> None:
    code, _, err = run("decrypt", *args, str(seal_file(PLAINTEXT)))
    assert code == 2 and complaint in err


def test_invalid_k8s_name_is_one_clear_line(seal_file: SealFile) -> None:
    code, out, err = run("decrypt", "--output-type", "k8s-secret", "--name", "Web_Secrets", str(seal_file(PLAINTEXT)))
    assert code == 1 and out == ""
    assert err.startswith("sealfile: error: ") and "Web_Secrets" in err and err.count("\n") == 1


def test_a_scalar_cannot_be_dotenv(seal_file: SealFile) -> None:
    code, _, err = run("decrypt", "--output-type", "dotenv", "--extract", "database.port", str(seal_file(PLAINTEXT)))
    assert code == 1 and "flattened" in err


def test_subprocess_k8s_secret_to_stdout(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run(
        [sys.executable, "-m", "sealfile", "decrypt", "--output-type", "k8s-secret", "--name", "web", str(path)],
        capture_output=True, text=True, env=env, check=False, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert validate_secret_manifest(done.stdout)["metadata"]["name"] == "web"

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sealfile.kms.age import AgeKey
from tests.examples.loading import EXAMPLES, seal_example, subprocess_env
from tests.support.sealing import tamper

pytest_plugins = ["tests.support.sealed_files"]

SCRIPT = EXAMPLES / "pydantic_settings" / "settings.py"


def run(sealed: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), str(sealed)], capture_output=True, text=True,
                          env=subprocess_env(**env), check=False, timeout=60)


def test_settings_come_from_the_sealed_file(age_key: AgeKey, tmp_path: Path) -> None:
    sealed = seal_example("pydantic_settings/secrets.example.yaml", age_key, tmp_path / "secrets.enc.yaml")
    done = run(sealed)
    assert done.returncode == 0, done.stderr
    assert "database: reports@db.internal, password of 19 characters" in done.stdout
    assert "log_level='INFO'" in done.stdout
    assert "r3ports-db-password" not in done.stdout and "smtp-relay-password" not in done.stdout


def test_environment_overrides_the_file(age_key: AgeKey, tmp_path: Path) -> None:
    sealed = seal_example("pydantic_settings/secrets.example.yaml", age_key, tmp_path / "secrets.enc.yaml")
    done = run(sealed, REPORTS_DATABASE__HOST="replica.internal")
    assert done.returncode == 0, done.stderr
    assert "reports@replica.internal" in done.stdout


def test_a_tampered_file_stops_the_program(age_key: AgeKey, tmp_path: Path) -> None:
    sealed = seal_example("pydantic_settings/secrets.example.yaml", age_key, tmp_path / "secrets.enc.yaml")
    tamper(sealed)
    done = run(sealed)
    assert done.returncode != 0
    assert "IntegrityError" in done.stderr and "r3ports" not in done.stderr

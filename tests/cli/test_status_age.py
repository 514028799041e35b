from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from sealfile.cli import commands  # noqa: F401  (registers the commands)
from sealfile.cli.app import cli
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

PLAINTEXT = "database:\n  password: pw-value\napi:\n  key: key-value\n"
DAY = 86400


def test_old_values_fail_and_are_listed(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT, set_at=int(time.time()) - 120 * DAY)
    result = CliRunner().invoke(cli, ["status", "--older-than", "90d", str(path)])
    assert result.exit_code == 3
    assert "  - database.password\n  - api.key\n" in result.stdout
    assert "2 value(s) older than 90d" in result.stderr
    assert "pw-value" not in result.output


def test_recent_values_pass(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT, set_at=int(time.time()) - 10 * DAY)
    result = CliRunner().invoke(cli, ["status", "--older-than", "2w", str(path)])
    assert result.exit_code == 0, result.output
    assert "older than" not in result.output


def test_status_needs_no_key(seal_file: SealFile, monkeypatch: pytest.MonkeyPatch) -> None:
    path = seal_file(PLAINTEXT, set_at=int(time.time()) - 100 * DAY)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", os.devnull + ".absent")
    result = CliRunner().invoke(cli, ["status", "--older-than", "90d", str(path)])
    assert result.exit_code == 3 and "database.password" in result.stdout


def test_a_bad_age_is_a_usage_error(seal_file: SealFile) -> None:
    result = CliRunner().invoke(cli, ["status", "--older-than", "3 months", str(seal_file(PLAINTEXT))])
    assert result.exit_code == 2 and "not an age" in result.stderr


def test_exit_code_in_a_real_process(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT, set_at=int(time.time()) - 100 * DAY)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-m", "sealfile", "status", "--older-than", "90d", str(path)],
                          capture_output=True, text=True, env=env, check=False, timeout=60)
    assert done.returncode == 3 and "database.password" in done.stdout


def test_status_parses_each_file_once_and_decodes_no_whole_token(seal_file: SealFile,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipients, the counts, the signature and every value's time come from one scan, and a
    token's time from its first 12 characters (its 9-byte header), not the whole token decoded."""
    import base64

    from sealfile.stores.yaml import scan as scan_module

    path = seal_file(PLAINTEXT, set_at=int(time.time()) - 10 * DAY)
    scans: list[int] = []
    decoded: list[int] = []
    real_scan, real_decode = scan_module.scan, base64.urlsafe_b64decode

    def counting_scan(*args: object, **kwargs: object) -> object:
        scans.append(1)
        return real_scan(*args, **kwargs)  # type: ignore[arg-type]

    def counting_decode(data: str | bytes) -> bytes:
        decoded.append(len(data))
        return real_decode(data)

    monkeypatch.setattr("sealfile.ops.spliced.scan", counting_scan)
    monkeypatch.setattr(base64, "urlsafe_b64decode", counting_decode)
    result = CliRunner().invoke(cli, ["status", str(path)])
    assert result.exit_code == 0, result.output
    assert "values: 2 (2 encrypted)" in result.stdout
    assert scans == [1]
    assert decoded == [12, 12]

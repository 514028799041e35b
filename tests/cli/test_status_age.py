from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sealfile.cli import commands  # noqa: F401  (registers the commands)
from sealfile.cli.app import cli
from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
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


@pytest.mark.parametrize("age", ["99999999999999999999d", "9" * 5000 + "s"], ids=["past-timedelta", "past-int"])
def test_an_age_too_long_to_hold_is_a_usage_error_not_a_traceback(seal_file: SealFile, age: str) -> None:
    """The fast path parses --older-than itself: its OverflowError escaped as a traceback."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-m", "sealfile", "status", "--older-than", age,
                           str(seal_file(PLAINTEXT))], capture_output=True, text=True, env=env, check=False, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("sealfile: error: Invalid value for '--older-than': not an age: ")
    assert done.stderr.count("\n") == 1
    assert "days" in done.stderr


def test_exit_code_in_a_real_process(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT, set_at=int(time.time()) - 100 * DAY)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-m", "sealfile", "status", "--older-than", "90d", str(path)],
                          capture_output=True, text=True, env=env, check=False, timeout=60)
    assert done.returncode == 3 and "database.password" in done.stdout


def test_status_parses_each_file_once_and_decodes_no_whole_token(seal_file: SealFile,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipients, the counts, the signature and every value's time come from one scan, and a
    token's time from its first 12 characters (its 9-byte header), not the whole token decoded:
    once for all the tokens sealed in the same second, which share those characters."""
    import binascii

    from sealfile.stores.yaml import scan as scan_module

    path = seal_file(PLAINTEXT, set_at=int(time.time()) - 10 * DAY)
    scans: list[int] = []
    decoded: list[int] = []
    real_scan, real_decode = scan_module.scan, binascii.a2b_base64  # base64.urlsafe_b64decode's decoder

    def counting_scan(*args: object, **kwargs: object) -> object:
        scans.append(1)
        return real_scan(*args, **kwargs)  # type: ignore[arg-type]

    def counting_decode(data: str | bytes) -> bytes:
        decoded.append(len(data))
        return real_decode(data)

    monkeypatch.setattr("sealfile.stores.yaml.sealed.scan", counting_scan)
    monkeypatch.setattr(binascii, "a2b_base64", counting_decode)
    result = CliRunner().invoke(cli, ["status", str(path)])
    assert result.exit_code == 0, result.output
    assert "values: 2 (2 encrypted)" in result.stdout
    assert scans == [1]
    assert decoded == [12]


def _sealed_over_time(seal_file: SealFile, age_key: AgeKey, times: list[int]) -> Path:
    """A file of values ``v0``, ``v1``... where ``vN`` was last set at ``times[N]``: each later seal
    changes the values from ``vN`` on, and the unchanged ones keep their tokens (and their time)."""
    def plaintext(step: int) -> str:
        return "".join(f"v{n}: s{min(n, step)}\n" for n in range(len(times)))

    path = seal_file(plaintext(0), set_at=times[0])
    for step, when in enumerate(times[1:], 1):
        path.write_text(seal_text(plaintext(step), [age_key], previous=path.read_text(), clock=lambda t=when: t))
    return path


def test_status_sums_up_when_values_were_set(seal_file: SealFile, age_key: AgeKey) -> None:
    now = int(time.time())
    path = _sealed_over_time(seal_file, age_key, [now - 40 * DAY, now - 3 * DAY])
    result = CliRunner().invoke(cli, ["status", str(path)])
    assert result.exit_code == 0, result.output
    first, last = (time.strftime("%Y-%m-%d %H:%MZ", time.gmtime(when)) for when in (now - 40 * DAY, now - 3 * DAY))
    assert result.stdout.endswith(f"values last set: 2 sealed values, {first} (40d ago) to {last} (3d ago)\n"
                                  f"  1 value set {last} (3d ago)\n"
                                  f"  1 value set {first} (40d ago)\n")
    # no value-by-value list unless asked (a line per key path; a recipient may hold "v0" by chance)
    assert not any(line.lstrip(" -").startswith(("v0", "v1")) for line in result.stdout.splitlines())


def test_status_of_values_set_at_once_is_one_line(seal_file: SealFile) -> None:
    when = int(time.time()) - 2 * DAY
    result = CliRunner().invoke(cli, ["status", str(seal_file(PLAINTEXT, set_at=when))])
    stamp = time.strftime("%Y-%m-%d %H:%MZ", time.gmtime(when))
    assert result.stdout.endswith(f"values last set: 2 sealed values, all {stamp} (2d ago)\n"), result.output


def test_status_shows_the_newest_times_and_counts_the_rest(seal_file: SealFile, age_key: AgeKey) -> None:
    now = int(time.time())
    path = _sealed_over_time(seal_file, age_key, [now - (10 - index) * DAY for index in range(8)])
    lines = CliRunner().invoke(cli, ["status", str(path)]).stdout.splitlines()
    summary = lines[lines.index(next(line for line in lines if line.startswith("values last set:"))):]
    assert summary[0].startswith("values last set: 8 sealed values, ") and "(10d ago) to " in summary[0]
    assert [line.split(" (")[-1] for line in summary[1:6]] == ["3d ago)", "4d ago)", "5d ago)", "6d ago)", "7d ago)"]
    assert all(line.startswith("  1 value set ") for line in summary[1:6])
    assert summary[6:] == ["  3 values set at 3 earlier times (--values lists every value)"]


def test_values_lists_when_each_value_was_set(seal_file: SealFile, age_key: AgeKey) -> None:
    now = int(time.time())
    path = _sealed_over_time(seal_file, age_key, [now - 40 * DAY, now - 3 * DAY])
    result = CliRunner().invoke(cli, ["status", "--values", str(path)])
    assert result.exit_code == 0, result.output
    stamps = [time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(when)) for when in (now - 40 * DAY, now - 3 * DAY)]
    assert result.stdout.endswith(f"values last set:\n  v0: {stamps[0]} (40d ago)\n  v1: {stamps[1]} (3d ago)\n")


def test_older_than_lists_exactly_the_stale_values(seal_file: SealFile, age_key: AgeKey) -> None:
    now = int(time.time())
    path = _sealed_over_time(seal_file, age_key, [now - 100 * DAY, now - 95 * DAY, now - DAY])
    result = CliRunner().invoke(cli, ["status", "--older-than", "90d", str(path)])
    assert result.exit_code == 3
    assert result.stdout.endswith("values last set more than 90d ago:\n  - v0\n  - v1\n")
    assert "2 value(s) older than 90d" in result.stderr

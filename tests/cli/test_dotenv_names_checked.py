"""A dotenv file's own plaintext becomes an environment wherever it goes: ``set -a; . <(sealfile decrypt
app.enc.env)`` (the use the shell-layout refusals serve), ``exec-file app.enc.env -- docker compose --env-file {}``,
systemd's ``EnvironmentFile=``. ``exec`` and ``--output-type dotenv`` refused a file's ``BASH_ENV``, but the
file's own text printed it: a forged ``app.enc.env`` (anyone can seal one for the team's public keys) holding
``BASH_ENV=./x.sh`` ran that script in every bash script the shell then started. Real bash as the oracle."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import cli_env
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

REFUSAL = ("sealfile: error: {path}: BASH_ENV: would set BASH_ENV, which changes how programs start or where they "
           "connect; refused (put a prefix in front of the names, or allow BASH_ENV explicitly)\n")


def _forged(age_key: AgeKey, tmp_path: Path) -> tuple[Path, Path]:
    marker, script, path = tmp_path / "CODE-RAN", tmp_path / "hook.sh", tmp_path / "app.enc.env"
    script.write_text(f"touch {marker}\n")  # a file of the checkout
    path.write_text(seal_text(f"DB_PASSWORD=p-1\nBASH_ENV={script}\n", [age_key], store=get_store("dotenv")))
    return path, marker


def _sealfile(*args: str) -> str:
    return " ".join([sys.executable, "-m", "sealfile", *args])


def test_decrypt_of_a_dotenv_file_refuses_a_hook_a_shell_would_source(age_key: AgeKey, tmp_path: Path) -> None:
    path, marker = _forged(age_key, tmp_path)
    deploy = f'set -a; . <({_sealfile("decrypt", str(path))}); bash -c "echo deployed"'
    done = subprocess.run(["bash", "-c", deploy], capture_output=True, text=True, env=cli_env(), timeout=60)
    assert not marker.exists()  # without the check: decrypt printed BASH_ENV=..., and the next bash ran hook.sh
    assert done.stderr == REFUSAL.format(path=path)
    alone = subprocess.run([sys.executable, "-m", "sealfile", "decrypt", str(path)], capture_output=True, text=True,
                           env=cli_env(), timeout=60)
    assert (alone.returncode, alone.stdout, alone.stderr) == (1, "", REFUSAL.format(path=path))


def test_allow_env_lets_a_named_hook_through_and_only_with_dotenv_text(age_key: AgeKey, seal_file: SealFile,
                                                                       tmp_path: Path) -> None:
    path, _ = _forged(age_key, tmp_path)
    allowed = subprocess.run([sys.executable, "-m", "sealfile", "decrypt", "--allow-env", "bash_env", str(path)],
                             capture_output=True, text=True, env=cli_env(), timeout=60)
    assert allowed.returncode == 0 and allowed.stdout.endswith(f"BASH_ENV={tmp_path / 'hook.sh'}\n"), allowed.stderr
    extracted = subprocess.run([sys.executable, "-m", "sealfile", "decrypt", "--extract", "DB_PASSWORD", str(path)],
                               capture_output=True, text=True, env=cli_env(), timeout=60)
    assert (extracted.returncode, extracted.stdout) == (0, "p-1")  # one value, no name: nothing to refuse
    yaml = seal_file("bash_env: x\n")
    usage = subprocess.run([sys.executable, "-m", "sealfile", "decrypt", "--allow-env", "BASH_ENV", str(yaml)],
                           capture_output=True, text=True, env=cli_env(), timeout=60)
    assert usage.returncode == 2 and "--prefix and --allow-env go with" in usage.stderr


@pytest.mark.parametrize("output", [(), ("--output-type", "dotenv")])
def test_exec_file_refuses_a_hook_in_the_dotenv_it_pipes(output: tuple[str, ...], age_key: AgeKey,
                                                         tmp_path: Path) -> None:
    """``exec-file app.enc.env -- docker compose --env-file {} up`` (here bash reading it as a shell does)."""
    path, marker = _forged(age_key, tmp_path)
    command = ["bash", "-c", 'set -a; . "$1"; bash -c "echo deployed"', "_", "{}"]
    argv = [sys.executable, "-m", "sealfile", "exec-file", *output, str(path), "--", *command]
    done = subprocess.run(argv, capture_output=True, text=True, env=cli_env(), timeout=60)
    assert not marker.exists()  # without the check (own syntax): the piped text set BASH_ENV, hook.sh ran
    assert (done.returncode, done.stderr) == (1, REFUSAL.format(path=path))
    allowed = subprocess.run([*argv[:4], "--allow-env", "BASH_ENV", *argv[4:]], capture_output=True, text=True,
                             env=cli_env(), timeout=60)
    assert allowed.stdout == "deployed\n" and marker.exists(), allowed.stderr  # what the user allowed by name

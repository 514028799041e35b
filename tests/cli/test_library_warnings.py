"""A notice a library gives its own users (Google's SDK warns on every start that it no longer supports this
Python) is not a sealfile user's to act on, and it made an error of one line five: the command hides such
warnings, unless Python is asked to show them or ``--debug`` is given; a program using the library keeps its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import cli_env

# A library's warning, given while the command runs (as google.api_core's is, when the GCP provider loads).
COMMAND = """
import sys, warnings
import sealfile.files.io as io
read_text = io.read_text
def warned(*args, **kwargs):
    warnings.warn("this Python is no longer supported by google.api_core", FutureWarning, stacklevel=1)
    warnings.warn("old_call() is deprecated", DeprecationWarning, stacklevel=1)
    return read_text(*args, **kwargs)
io.read_text = warned
sys.argv = ["sealfile", *sys.argv[1:]]
from sealfile.cli import main
main()
"""


def _run(*args: str, python: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *python, "-c", COMMAND, *args], capture_output=True, text=True,
                          env=cli_env(), timeout=60)


@pytest.mark.parametrize("command", [["decrypt"], ["set", "--type", "int"], ["status"]])
def test_an_error_stays_one_line(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "missing.enc.yaml"
    args = [command[0], str(missing), *(["a", "1", *command[1:]] if command[0] == "set" else [])]
    done = _run(*args)
    assert done.returncode == 1
    assert done.stderr == f"sealfile: error: {missing}: no such file\n"


def test_python_asked_to_show_warnings_or_debug_shows_them(tmp_path: Path) -> None:
    missing = tmp_path / "missing.enc.yaml"
    for done in (_run("decrypt", str(missing), python=("-W", "default")), _run("--debug", "decrypt", str(missing))):
        assert "FutureWarning: this Python is no longer supported" in done.stderr
        assert f"{missing}: no such file" in done.stderr  # the line, or with --debug the traceback


def test_a_program_using_the_library_keeps_its_warnings(tmp_path: Path) -> None:
    code = ("import warnings, sealfile\n"
            "try:\n    sealfile.load_secrets(sys.argv[1])\nexcept sealfile.SealfileError:\n    pass\n"
            "warnings.warn('the program\\'s own', FutureWarning)\n")
    done = subprocess.run([sys.executable, "-c", "import sys\n" + code, str(tmp_path / "x.enc.yaml")],
                          capture_output=True, text=True, env=cli_env(), timeout=60)
    assert "FutureWarning: the program's own" in done.stderr


def test_a_deprecation_given_as_a_user_warning_is_hidden_too(tmp_path: Path) -> None:
    """cryptography warns that 'SSH DSA keys are deprecated' as a UserWarning when it loads one: signing with a
    DSA key, refused in one line, printed three."""
    key = tmp_path / "id_dsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "dsa", "-N", "", "-f", str(key)], check=True, capture_output=True,
                   timeout=30)
    identity, plain = tmp_path / "age.txt", tmp_path / "plain.yaml"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True, timeout=30)
    recipient = subprocess.run(["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True,
                               timeout=30).stdout.strip()
    plain.write_text("a: 1\n")
    done = subprocess.run([sys.executable, "-m", "sealfile", "encrypt", "--age", recipient, str(plain)],
                          capture_output=True, text=True, env={**cli_env(), "SEALFILE_SIGNING_KEY": str(key)},
                          timeout=60)
    assert done.returncode == 1
    assert done.stderr == (f"sealfile: error: {plain}: SEALFILE_SIGNING_KEY: {key}: this private key type cannot "
                           "sign (use ed25519, ecdsa or rsa)\n")

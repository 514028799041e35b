"""A file the user cannot read is one failure with one meaning, whichever way the command line is parsed.

The fast path never calls click; click, where it parsed the command line (an option from the environment,
a command the fast path leaves to it), checked readability itself and made the same file a usage error:
exit 2, three lines, and an existing -o file it could not read refused although sealfile replaces it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sealfile.ops.seal import seal_text
from tests.support.cli import cli_env
from tests.support.identities import AgeIdentity

SECRET = "unreadable-secret-81d2"
NOBODY = 65534


@pytest.fixture
def work(age_identity: AgeIdentity) -> Iterator[Path]:
    """A directory (outside pytest's private one, which only root may enter) with a sealed file and a key."""
    directory = Path(tempfile.mkdtemp(prefix="sealfile-unreadable-"))
    try:
        (directory / "s.yaml").write_text(seal_text(f"db:\n  password: {SECRET}\n", [age_identity.key]))
        shutil.copy(age_identity.path, directory / "key.txt")
        (directory / "key.txt").chmod(0o600)
        directory.chmod(0o755)
        yield directory
    finally:
        shutil.rmtree(directory)


def _as_user(directory: Path) -> list[str]:
    """Root reads every file whatever its mode: run as nobody, who owns the directory, instead."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("as root, this needs setpriv to run as another user")
    for path in [directory, *directory.iterdir()]:
        os.chown(path, NOBODY, NOBODY)
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def _run(directory: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = cli_env({"HOME": str(directory), "SEALFILE_AGE_KEY_FILE": str(directory / "key.txt"),
                           "XDG_CACHE_HOME": str(directory / "cache"), "XDG_CONFIG_HOME": str(directory / "config"),
                           **env})
    return subprocess.run([*_as_user(directory), sys.executable, "-m", "sealfile", *args], capture_output=True,
                          text=True, cwd=directory, env=environment, timeout=60)


CASES = [
    (["set", "s.yaml", "db.user", "x"], {}),
    (["set", "s.yaml", "db.user", "x"], {"SEALFILE_SET_TYPE": "str"}),  # click parses: the environment sets an option
    (["unset", "s.yaml", "db.password"], {}),
    (["decrypt", "s.yaml"], {}),
    (["decrypt", "s.yaml"], {"SEALFILE_DECRYPT_OUTPUT_TYPE": "yaml"}),
    (["recipients", "list", "s.yaml"], {}),
    (["export-sops", "s.yaml"], {}),
    (["exec", "s.yaml", "--", "true"], {}),
    (["edit", "s.yaml"], {"EDITOR": "true"}),
]


@pytest.mark.parametrize(("args", "env"), CASES, ids=[" ".join(args) + (" (click)" if env and "EDITOR" not in env
                                                                           else "") for args, env in CASES])
def test_an_unreadable_file_is_one_error_line_and_exit_1(args: list[str], env: dict[str, str], work: Path) -> None:
    (work / "s.yaml").chmod(0)
    before = (work / "s.yaml").read_bytes()
    done = _run(work, args, env)
    assert (done.returncode, done.stderr) == (1, "sealfile: error: s.yaml: permission denied\n")
    assert (work / "s.yaml").read_bytes() == before


@pytest.mark.parametrize("env", [{}, {"SEALFILE_DECRYPT_OUTPUT_TYPE": "yaml"}], ids=["fast", "click"])
def test_an_output_file_it_cannot_read_is_replaced_as_any_other(env: dict[str, str], work: Path) -> None:
    """-o names a file to replace, not one to read: whether click or the fast path parsed the line."""
    (work / "out.yaml").write_text("old\n")
    (work / "out.yaml").chmod(0o200)
    done = _run(work, ["decrypt", "s.yaml", "-o", "out.yaml"], env)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert SECRET in (work / "out.yaml").read_text()
    assert (work / "out.yaml").stat().st_mode & 0o777 == 0o600  # its owner can read back what was written

"""``git install`` and ``uninstall`` on a disk that refuses writes: git's config and ``.gitattributes`` are both
as they were, or the one line says which is not, naming the file.

``git config --remove-section`` exits 0 when it could not write the config (git 2.39): uninstall said
"removed the sealfile drivers", exit 0, with both sections still configured, and an install that failed after
its config was written left it there while saying nothing was installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fail_io import fail_io_env, fail_io_library
from tests.support.git import SEALFILE, Sandbox

ENOSPC = 28
CONFIG_LINES = ("[diff \"sealfile\"]", "[merge \"sealfile\"]")


def _state(box: Sandbox) -> tuple[bytes, bytes | None]:
    attributes = box.repo / ".gitattributes"
    return (box.repo / ".git" / "config").read_bytes(), attributes.read_bytes() if attributes.exists() else None


def _run(box: Sandbox, tmp_path: Path, fault: dict[str, str], *args: str) -> tuple[int, str]:
    env = {**box.env, "LD_PRELOAD": str(fail_io_library(tmp_path)), **fault}
    done = box.sealfile("git", *args, check=False, env=env)
    assert "Traceback" not in done.stderr
    return done.returncode, done.stderr


@pytest.mark.parametrize("call", ["write", "create", "rename"])
def test_uninstall_whose_config_cannot_be_written_says_so_and_keeps_the_attributes(installed: Sandbox,
                                                                                   tmp_path: Path, call: str) -> None:
    before = _state(installed)
    code, stderr = _run(installed, tmp_path, fail_io_env(installed.repo / ".git", call, ENOSPC), "uninstall")
    assert code == 1 and stderr.startswith("sealfile: error: .git/config: cannot write (") and stderr.count("\n") == 1
    assert _state(installed) == before


@pytest.mark.parametrize("call", ["write", "create", "rename"])
def test_install_whose_config_cannot_be_written_names_the_config(sandbox: Sandbox, tmp_path: Path,
                                                                 call: str) -> None:
    before = _state(sandbox)
    code, stderr = _run(sandbox, tmp_path, fail_io_env(sandbox.repo / ".git", call, ENOSPC),
                        "install", "--command", SEALFILE)
    assert code == 1 and stderr.startswith("sealfile: error: .git/config: cannot write (") and stderr.count("\n") == 1
    assert _state(sandbox) == before


def test_an_install_that_cannot_put_its_config_back_says_so(sandbox: Sandbox, tmp_path: Path) -> None:
    """The config's writes pass (each git process writes the config in three writes), the attributes file's
    fails, and so does putting the config back: the line says both."""
    code, stderr = _run(sandbox, tmp_path, fail_io_env(sandbox.repo, "write", ENOSPC, after=3),
                        "install", "--command", SEALFILE)
    assert code == 1 and stderr.count("\n") == 1
    assert stderr.startswith(f"sealfile: error: {sandbox.repo / '.gitattributes'}: cannot write (No space left")
    assert "and the drivers' config in .git/config could not be put back as it was" in stderr
    assert all(line in (sandbox.repo / ".git" / "config").read_text() for line in CONFIG_LINES)


def test_an_uninstall_that_cannot_put_the_attributes_back_says_so(installed: Sandbox, tmp_path: Path) -> None:
    """The block was the whole file, removed first (a removal needs no room); the config cannot be written,
    nor can the file be made again: the line names the config and says the attributes file is gone."""
    code, stderr = _run(installed, tmp_path, fail_io_env(installed.repo, "write", ENOSPC), "uninstall")
    assert code == 1 and stderr.count("\n") == 1
    assert stderr.startswith("sealfile: error: .git/config: cannot write (")
    assert f"and {installed.repo / '.gitattributes'} could not be put back as it was (" in stderr
    assert all(line in (installed.repo / ".git" / "config").read_text() for line in CONFIG_LINES)

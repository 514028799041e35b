"""A command whose file operations under one directory the system refuses: a full disk (ENOSPC), a spent quota
(EDQUOT), a directory it may not write (EACCES, which root never meets otherwise), a failing device (EIO), on
``write``, ``fsync``, creating a file, renaming or linking one (``c/fail_io.c``, preloaded; git and the other
programs a command runs meet the same refusals)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent / "c" / "fail_io.c"


def fail_io_library(directory: Path) -> Path:
    """The shim, built in ``directory`` (the test is skipped without a C compiler)."""
    if shutil.which("cc") is None:
        pytest.skip("needs a C compiler")
    library = directory / "fail_io.so"
    if not library.exists():
        subprocess.run(["cc", "-shared", "-fPIC", "-o", str(library), str(SOURCE), "-ldl"], check=True, timeout=60)
    return library


def fail_io_env(under: Path, call: str, errno: int, *, after: int | None = None) -> dict[str, str]:
    """The variables that make ``call`` (write, fsync, create, rename, link) fail with ``errno`` under ``under``,
    after the first ``after`` such calls of each process; LD_PRELOAD names the library."""
    env = {"FAIL_IO_UNDER": str(under), "FAIL_IO_CALL": call, "FAIL_IO_ERRNO": str(errno)}
    if after is not None:
        env["FAIL_IO_AFTER"] = str(after)
    return env

"""A command slow to start each of its waits (a read from the terminal, a select, a waitpid), as one preempted
just before them on a loaded machine: a signal that comes meanwhile has its handler run before the wait starts,
which a blocking call then never sees (``c/late_waits.c``, preloaded)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent / "c" / "late_waits.c"


def late_waits_env(directory: Path) -> dict[str, str]:
    """The environment variables that make a command's waits start late (the test is skipped without a C
    compiler, as a library has to be built)."""
    if shutil.which("cc") is None:
        pytest.skip("needs a C compiler")
    library = directory / "late_waits.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(library), str(SOURCE), "-ldl"], check=True, timeout=60)
    return {"LD_PRELOAD": str(library)}

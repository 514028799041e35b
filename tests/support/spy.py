"""A program put first on PATH that records each run, then does what the test says (runs the real one)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def spy_program(directory: Path, name: str, monkeypatch: pytest.MonkeyPatch, *, then: str) -> Path:
    """``name`` first on PATH: a script writing each run's arguments as a line of the returned file, then
    running the shell line ``then`` (``exec /usr/bin/gpg "$@"``, or ``exit 1``)."""
    directory.mkdir(parents=True, exist_ok=True)
    runs = directory / f"{name}.runs"
    program = directory / name
    program.write_text(f'#!/bin/sh\necho "run $*" >> {runs}\n{then}\n')
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")
    return runs

"""``edit`` with an editor that hands the file to a window and returns at once (``code``, ``subl``) finds no
change: it says which option makes that editor wait, instead of a bare 'no change'."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]


def _returns_at_once(folder: Path, name: str) -> None:
    program = folder / name
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)


@pytest.mark.parametrize(("variable", "setting", "meant"), [
    ("EDITOR", "code", "code --wait"),
    ("VISUAL", "subl", "subl --wait"),
    ("EDITOR", "codium -n", "codium -n --wait"),
])
def test_an_editor_that_returns_at_once_is_told_to_wait(seal_file: SealFile, tmp_path: Path, variable: str,
                                                        setting: str, meant: str) -> None:
    path = seal_file("db:\n  password: old\n")
    _returns_at_once(tmp_path, setting.split()[0])
    result = run_cli("edit", path, env={variable: setting, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"})
    assert (result.returncode, result.stderr) == (
        0, f"{path}: no change ({setting.split()[0]} returned before you could edit: "
           f"set {variable}='{meant}' so it waits for its window to close)\n")


@pytest.mark.parametrize("setting", ["code --wait", "subl -w", "true"])
def test_an_editor_that_waits_and_changes_nothing_is_a_plain_no_change(seal_file: SealFile, tmp_path: Path,
                                                                       setting: str) -> None:
    path = seal_file("db:\n  password: old\n")
    _returns_at_once(tmp_path, setting.split()[0])
    result = run_cli("edit", path, env={"EDITOR": setting, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"})
    assert (result.returncode, result.stderr) == (0, f"{path}: no change\n")

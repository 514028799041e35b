"""A file name that cannot be opened (a symlink loop, a name too long): every command says so in
one line naming it (exit 1), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli

COMMANDS = [["decrypt"], ["decrypt", "--extract", "a"], ["status"], ["verify"],
                                     ["rotate"], ["set", "{f}", "a", "b"], ["encrypt", "--age",
                                     "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]]


def _one_line(command: list[str], name: str, cwd: Path) -> None:
    args = [name if arg == "{f}" else arg for arg in command] + ([] if "{f}" in command else [name])
    result = run_cli(*args, cwd=cwd)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name[-20:] in lines[0] and "internal error" not in lines[0], result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_symlink_loop_is_one_line_naming_the_file(command: list[str], tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop.name)
    _one_line(command, str(loop), tmp_path)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_name_too_long_is_one_line_naming_it(command: list[str], tmp_path: Path) -> None:
    _one_line(command, "x" * 300 + ".yaml", tmp_path)

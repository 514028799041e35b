"""A file name that is a symlink loop: every command says so in one line naming it (exit 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli


@pytest.mark.parametrize("command", [["decrypt"], ["decrypt", "--extract", "a"], ["status"], ["verify"],
                                     ["rotate"], ["set", "{f}", "a", "b"], ["encrypt", "--age",
                                     "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]],
                         ids=" ".join)
def test_a_symlink_loop_is_one_line_naming_the_file(command: list[str], tmp_path: Path) -> None:
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop.name)
    args = [str(loop) if arg == "{f}" else arg for arg in command] + ([] if "{f}" in command else [str(loop)])
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "loop.yaml" in lines[0] and "internal error" not in lines[0], result.stderr

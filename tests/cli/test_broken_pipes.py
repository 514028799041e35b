"""A broken pipe ends a command silently (exit 141) only when it is sealfile's own standard output whose reader
has gone (``| head``); one to a program sealfile runs (git, a key helper) is an error with its line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.cli.batch import run_each
from sealfile.cli.console import Console
from sealfile.cli.exit_codes import ExitCode
from tests.support.cli import SRC

_WRITE_TO_A_CHILD_THAT_ENDED = """
import subprocess
child = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE)
child.wait()
child.stdin.write(b"x" * 100_000)
child.stdin.flush()
"""


def _program(body: str) -> list[str]:
    code = f"import sys\nsys.path.insert(0, {str(SRC)!r})\nfrom sealfile.cli.boundary import reported\n" \
           "with reported(debug=False):\n" + "".join(f"    {line}\n" for line in body.strip().splitlines())
    return [sys.executable, "-c", code]


def test_a_closed_standard_output_still_ends_silently_with_141(tmp_path: Path) -> None:
    program = _program('sys.stdout.write("x" * 1_000_000)\nsys.stdout.flush()')
    process = subprocess.Popen(program, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader goes before a byte is read
    said = process.stderr.read()
    assert (process.wait(), said) == (ExitCode.BROKEN_PIPE, b"")


def test_a_child_pipe_breaking_while_standard_output_is_a_pipe_too_is_still_an_error() -> None:
    done = subprocess.run(_program(_WRITE_TO_A_CHILD_THAT_ENDED), capture_output=True, check=False)
    assert (done.returncode, done.stderr) == (ExitCode.ERROR, b"sealfile: error: a program sealfile runs ended "
                                                              b"before reading its input (Broken pipe)\n")


def _write_to_a_child_that_ended() -> None:
    exec(_WRITE_TO_A_CHILD_THAT_ENDED, {"sys": sys})


@pytest.mark.parametrize("in_flight", [1, 3])
def test_a_child_pipe_breaking_for_one_file_of_several_is_that_files_failure(
        in_flight: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It ended the whole run as if the output's reader had gone: exit 141, no line, no summary."""
    def work(file: Path, console: Console) -> None:
        if file.name == "b":
            _write_to_a_child_that_ended()

    files = [tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    assert run_each(files, "rotate", work, in_flight=in_flight) == ExitCode.ERROR
    said = capsys.readouterr().err.splitlines()
    assert said == [f"sealfile: error: {tmp_path / 'b'}: a program sealfile runs ended before reading its input "
                    "(Broken pipe)", f"sealfile: rotate: 3 files: 2 ok, 1 failed ({tmp_path / 'b'})"]

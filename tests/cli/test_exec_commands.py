"""``sealfile exec FILE -- COMMAND`` starts COMMAND as a shell (or ``env``) would, passes its arguments
and the values as they are, and ends as COMMAND ends; a command that cannot start is one line with
bash's status: 127 nothing to run, 126 a file that cannot run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.ops.seal import seal_text
from tests.support.cli import cli_env
from tests.support.identities import AgeIdentity

VALUE = "line one\nA=B=C 'q' \"dq\" $HOME `x` \\ \u00e9"


@pytest.fixture
def sealed(age_identity: AgeIdentity, tmp_path: Path) -> Path:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text(f"token: {json.dumps(VALUE)}\n", [age_identity.key]))
    return path


def _exec(sealed: Path, *command: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    extra = {"PATH": path} if path is not None else {}
    return subprocess.run([sys.executable, "-m", "sealfile", "exec", str(sealed), "--", *command],
                          env=cli_env(extra), cwd=sealed.parent, capture_output=True, text=True, timeout=60)


def _program(path: Path, content: bytes, mode: int = 0o755) -> Path:
    path.write_bytes(content)
    path.chmod(mode)
    return path


def test_values_and_arguments_reach_the_command_as_they_are(sealed: Path) -> None:
    done = _exec(sealed, sys.executable, "-c", "import os, sys; print(repr([os.environ['TOKEN'], *sys.argv[1:]]))",
                 "", "two words", "--", "a=b")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == repr([VALUE, "", "two words", "--", "a=b"]) + "\n"


def test_the_command_ends_the_process_as_it_ends(sealed: Path) -> None:
    assert _exec(sealed, "sh", "-c", "exit 7").returncode == 7
    assert _exec(sealed, "sh", "-c", "kill -TERM $$").returncode == -signal.SIGTERM  # died of it: no parent to say so


def test_the_command_dies_of_a_closed_pipe_as_it_would_from_a_shell(sealed: Path) -> None:
    """Python ignores SIGPIPE, and exec kept it ignored: ``exec ... -- yes | head -1`` ended in 'yes: standard
    output: Broken pipe', exit 1 (and a script could not trap the signal)."""
    command = subprocess.Popen([sys.executable, "-m", "sealfile", "exec", str(sealed), "--", "yes"], env=cli_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert command.stdout is not None and command.stdout.readline() == b"y\n"
    command.stdout.close()  # as head does once it has its line
    _, stderr = command.communicate(timeout=60)
    assert (command.returncode, stderr) == (-signal.SIGPIPE, b"")


def test_a_script_without_a_shebang_runs_under_sh(sealed: Path, tmp_path: Path) -> None:
    """Python's os.execvpe gave up on it ('Exec format error', exit 1); execvp(3), env and the shells run it."""
    script = _program(tmp_path / "plain-script", b'printf "%s|%s" "$1" "$TOKEN"\n')
    done = _exec(sealed, str(script), "arg one")
    assert (done.returncode, done.stderr, done.stdout) == (0, "", f"arg one|{VALUE}")
    on_path = _exec(sealed, "plain-script", "x", path=f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert (on_path.returncode, on_path.stdout) == (0, f"x|{VALUE}")


@pytest.mark.parametrize(("command", "status", "cause"), [
    ("no-such-command-8e1", 127, "command not found"),
    ("", 127, "command not found"),
    ("{tmp}/bad-interpreter", 127, "cannot execute: required file not found (its #! interpreter or its loader)"),
    ("{tmp}/no-such-file", 127, "No such file or directory"),
    ("echo $TOKEN", 127, "command not found (a command line with spaces runs through a shell: -- /bin/sh -c "
                         "'echo $TOKEN')"),
    ("cat {tmp}/x", 127, "No such file or directory (a command line with spaces runs through a shell: -- /bin/sh "
                         "-c 'cat {tmp}/x')"),
    ("{tmp}/a-directory", 126, "Is a directory"),
    ("{tmp}/not-executable", 126, "Permission denied"),
    ("not-executable", 126, "Permission denied"),
    ("{tmp}/foreign-binary", 126, "cannot execute binary file: Exec format error"),
])
def test_a_command_that_cannot_start_is_one_line_with_the_shells_status(sealed: Path, tmp_path: Path, command: str,
                                                                        status: int, cause: str) -> None:
    """'' was an internal error (70), a missing #! interpreter 'command not found' for a file that is there."""
    _program(tmp_path / "bad-interpreter", b"#!/no/such/interpreter-3f\necho never\n")
    (tmp_path / "a-directory").mkdir()
    _program(tmp_path / "not-executable", b"echo never\n", mode=0o644)
    _program(tmp_path / "foreign-binary", b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\xff\xff" + b"\0" * 60)
    named = command.format(tmp=tmp_path)
    done = _exec(sealed, named, path=f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    said = cause.format(tmp=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (status, "", f"sealfile: error: {named}: {said}\n")


def test_a_value_too_large_for_the_environment_is_named_not_shown(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """Linux refuses any one ``NAME=value`` over 128 KiB (E2BIG): the line names the variable, not the value."""
    path = tmp_path / "big.enc.yaml"
    path.write_text(seal_text(f"small: s3cret-small\ncert: {'Q' * 200_000}\n", [age_identity.key]))
    done = subprocess.run([sys.executable, "-m", "sealfile", "exec", str(path), "--", "true"], env=cli_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 126
    assert done.stderr == ("sealfile: error: true: Argument list too long: CERT is 200,005 bytes, more than one "
                           "environment variable may hold (131,072 bytes on Linux); pass that value another way "
                           "(exec-file)\n")


@pytest.mark.parametrize("program", ["no-such-program-here", "/etc"])
def test_a_command_that_does_not_start_leaves_this_process_ignoring_sigpipe(program: str) -> None:
    """The dispositions a started program gets are set just before it replaces this process; when it does
    not start, they are put back: a closed pipe met afterwards (a git batch that ended) must raise
    BrokenPipeError here, not kill the process (a test run's worker died so)."""
    from sealfile.cli.execute import replace_process

    assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN
    with pytest.raises(SystemExit):
        replace_process([program], {"PATH": "/nonexistent"})
    assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN

"""``exec``'s last step: this process becomes the user's command, started as a shell starts it.

A name without ``/`` is looked up in the child's ``PATH`` (``execvp`` and the shells do the same),
a file without a ``#!`` line that is not a binary runs under ``/bin/sh`` (as ``execvp(3)``, ``env``
and every shell run it; Python's ``os.execvpe`` does not), and a command that cannot start is one
line with the status bash gives it: 127 when there is nothing to run (no such command, or its ``#!``
interpreter or loader is missing), 126 when there is a file that cannot run (permission, a directory,
a binary for another system, an environment too large for the system).

The command gets the signal dispositions a program started from a shell has: Python ignores SIGPIPE
and SIGXFSZ for itself, an ignored signal stays ignored across ``exec``, and ``yes | head -1`` would
then end in "Broken pipe" and exit 1 instead of quietly (a shell script cannot even trap a signal
ignored when it started). ``subprocess`` puts them back the same way (``restore_signals``).
"""

from __future__ import annotations

import errno
import os
import shlex
import signal
import stat
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn

from sealfile.cli.boundary import say
from sealfile.cli.exit_codes import ExitCode
from sealfile.errors import one_line

SHELL = "/bin/sh"
_IGNORED_BY_PYTHON = [name for name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ") if hasattr(signal, name)]


def replace_process(command: Sequence[str], environment: Mapping[str, str]) -> NoReturn:
    """Run ``command`` in place of this process, with ``environment``; on failure, one line and exit."""
    program, missing = _find(command[0], environment)
    if program is None:
        _fail(command[0], missing + _shell_line_hint(command), ExitCode.COMMAND_NOT_FOUND)
    sys.stdout.flush()
    kept = {name: signal.signal(getattr(signal, name), signal.SIG_DFL) for name in _IGNORED_BY_PYTHON}
    try:
        os.execve(program, list(command), environment)
    except OSError as err:
        failure = err
    if failure.errno == errno.ENOEXEC and not _binary(program):
        try:
            os.execve(SHELL, [SHELL, program, *command[1:]], environment)
        except OSError as err:
            failure = err
    for name, handler in kept.items():  # not run: this process writes on, and a closed pipe must not kill it
        signal.signal(getattr(signal, name), handler)
    if failure.errno == errno.ENOENT and not os.path.lexists(program):
        _fail(command[0], "No such file or directory" + _shell_line_hint(command), ExitCode.COMMAND_NOT_FOUND)
    if failure.errno == errno.ENOENT:  # the file is there: what it needs to start is not
        _fail(command[0], "cannot execute: required file not found (its #! interpreter or its loader)",
              ExitCode.COMMAND_NOT_FOUND)
    if failure.errno == errno.E2BIG:
        _fail(command[0], _too_large(command, environment), ExitCode.CANNOT_EXECUTE)
    cause = "Is a directory" if os.path.isdir(program) else failure.strerror or type(failure).__name__
    _fail(command[0], f"cannot execute binary file: {cause}" if failure.errno == errno.ENOEXEC else cause,
          ExitCode.CANNOT_EXECUTE)


def _find(name: str, environment: Mapping[str, str]) -> tuple[str | None, str]:
    """The file to run for ``name``, or ``None`` and why: a name with ``/`` is that file; any other is the
    first executable file of that name in ``PATH``, else a file there that is not executable (bash's
    "Permission denied" once started)."""
    if "/" in name:
        return name, ""
    if not name:
        return None, "command not found"
    found_unusable = None
    for directory in environment.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(directory or os.curdir, name)
        try:
            info = os.stat(candidate)
        except (OSError, ValueError):
            continue
        if stat.S_ISDIR(info.st_mode):
            continue
        if os.access(candidate, os.X_OK):
            return candidate, ""
        found_unusable = found_unusable or candidate
    return (found_unusable, "") if found_unusable else (None, "command not found")


def _shell_line_hint(command: Sequence[str]) -> str:
    """For one word with spaces in it, as ``sops exec-env``/``exec-file`` take their command: how to run it."""
    if len(command) != 1 or not any(c.isspace() for c in command[0]):
        return ""
    return f" (a command line with spaces runs through a shell: -- {SHELL} -c {shlex.quote(command[0])})"


_MAX_ARG_STRLEN = 32 * 4096
"""Linux's limit on one argument or one ``NAME=value`` string, whatever the total limit (``ulimit -s``)."""


def _too_large(command: Sequence[str], environment: Mapping[str, str]) -> str:
    """Why the system refused to start the command (E2BIG), naming the variable at fault, never its value."""
    sizes = {name: len(os.fsencode(name)) + 1 + len(os.fsencode(value)) for name, value in environment.items()}
    name = max(sizes, key=sizes.__getitem__, default=None)
    if name is not None and sizes[name] > _MAX_ARG_STRLEN:
        return (f"Argument list too long: {one_line(name)} is {sizes[name]:,} bytes, more than one environment "
                f"variable may hold ({_MAX_ARG_STRLEN:,} bytes on Linux); pass that value another way (exec-file)")
    total = sum(sizes.values()) + sum(len(os.fsencode(word)) + 1 for word in command)
    return (f"Argument list too long: the command's environment and arguments are {total:,} bytes, "
            "more than the system takes")


def _binary(program: str) -> bool:
    """Whether the file's first line holds a NUL: bash's test for a binary it will not run as a script."""
    try:
        with open(program, "rb") as handle:
            return b"\0" in handle.read(80).split(b"\n", 1)[0]
    except OSError:
        return False


def _fail(name: str, cause: str, status: ExitCode) -> NoReturn:
    say(f"sealfile: error: {one_line(name)}: {cause}")
    sys.exit(status)

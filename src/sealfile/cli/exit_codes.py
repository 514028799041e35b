"""Exit statuses CI can act on, one meaning each (documented in the README).

``worst`` orders them for commands that handle several files: an error outranks a policy
finding, which outranks success.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    """Something failed: a file is missing, malformed, fails to verify, or no key opens it."""
    USAGE = 2
    """The command line is wrong (click's usage errors)."""
    POLICY = 3
    """A policy finding: ``check``, ``review`` or ``status --older-than`` found what it guards against."""
    CANNOT_EXECUTE = 126
    """``exec``: the command exists but cannot run (as shells report it)."""
    COMMAND_NOT_FOUND = 127
    """``exec``: no such command (as shells report it)."""
    INTERRUPTED = 130
    """Stopped by a signal, to a caller in this process; the ``sealfile`` program itself then ends by that
    signal (:class:`sealfile.cli.boundary.Interrupted`)."""
    BROKEN_PIPE = 141
    INTERNAL = 70
    """A bug in sealfile (EX_SOFTWARE); ``--debug`` shows the traceback."""


_SEVERITY = {ExitCode.OK: 0, ExitCode.POLICY: 1, ExitCode.ERROR: 2}


def worst(codes: list[ExitCode]) -> ExitCode:
    """The most severe of several results (OK < POLICY < ERROR)."""
    return max(codes, key=lambda code: _SEVERITY.get(code, 3), default=ExitCode.OK)

"""The command line's one error boundary, shared by click and the fast path (no click import here).

Any :class:`SealfileError` becomes one line on stderr and exit 1, with no traceback unless
``--debug``. Unexpected exceptions print their type only: their text could quote input.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sealfile.cli.exit_codes import ExitCode
from sealfile.errors import ConflictMarkersError, IntegrityError, SealfileError, one_line


class Interrupted(SystemExit):
    """The end of a command a signal stopped (Ctrl-C, SIGTERM, SIGHUP...), after its cleanup and its one line:
    status 130 for a caller in this process. The ``sealfile`` program then ends by that same signal
    (:func:`sealfile.cli.console`), as Python does on Ctrl-C: a shell script running sealfile stops too,
    where an exit status of 130 would tell it the signal had been handled and let its next line run."""

    def __init__(self, interruption: KeyboardInterrupt) -> None:
        from sealfile.files.termination import signal_of

        super().__init__(ExitCode.INTERRUPTED)
        self.signal = signal_of(interruption)


class UsageProblem(Exception):
    """A command line that is wrong: click reports it as a usage error (exit 2)."""


def say(line: str) -> None:
    """One line on stderr (warnings, progress, summaries), shown as text: a file name or what a file says
    in it never reaches the terminal as a control, nor breaks or forges a line (:func:`one_line`)."""
    sys.stderr.write(one_line(line) + "\n")
    sys.stderr.flush()


def os_error_line(err: OSError, file: object = None) -> str:
    """``FILE: cause`` for an operating-system error (the file it names, else ``file``), quoting no content."""
    where = err.filename or file
    cause = err.strerror or type(err).__name__
    return f"{one_line(str(where))}: {cause}" if where else cause


def output_gone() -> bool:
    """Whether standard output is a pipe whose reader has gone (``| head``): the one broken pipe that ends a
    command silently. Asked of the pipe itself, as a broken pipe to a child process (git, a key helper)
    raises the same error, with nothing in it to tell whose pipe it was."""
    import select

    try:
        poller = select.poll()
        poller.register(sys.__stdout__.fileno() if sys.__stdout__ is not None else 1, select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (OSError, ValueError):
        return False


def broken_pipe_line(err: BrokenPipeError, file: object = None) -> str:
    """``FILE: cause`` for a broken pipe that is not standard output's: a program sealfile ran ended early."""
    where = err.filename or file
    cause = f"a program sealfile runs ended before reading its input ({err.strerror or 'broken pipe'})"
    return f"{one_line(str(where))}: {cause}" if where else cause


def replaced_files() -> list[str]:
    """The files this process has written (none if the writer was never loaded)."""
    atomic = sys.modules.get("sealfile.files.atomic")
    return list(getattr(atomic, "REPLACED", ()))


def interrupted() -> str:
    """What an interruption left: Ctrl-C may land just after a file was replaced."""
    written = replaced_files()
    if written:
        return f"interrupted after writing {', '.join(written)}; no other file was changed"
    return "interrupted; no file was changed"


@contextmanager
def reported(debug: bool, passthrough: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Turn what escapes a command into one line and its exit status (``passthrough`` escapes as is)."""
    try:
        yield
    except passthrough:
        raise
    except SealfileError as err:
        if debug:
            raise
        explain_markers(err)
        say(f"sealfile: error: {err}{way_back(err)}")
        sys.exit(ExitCode.ERROR)
    except BrokenPipeError as err:
        if not output_gone():  # a pipe to a program sealfile runs (git, a key helper): an error like any other
            if debug:
                raise
            with suppress(OSError):  # standard error may be the pipe that broke: the status still says it
                say(f"sealfile: error: {broken_pipe_line(err)}")
            sys.exit(ExitCode.ERROR)
        sys.stderr.close()  # e.g. piped into head: not an error worth a message
        sys.exit(ExitCode.BROKEN_PIPE)
    except KeyboardInterrupt as interruption:
        say(f"sealfile: {interrupted()}")
        raise Interrupted(interruption) from None
    except OSError as err:
        if debug:
            raise
        say(f"sealfile: error: {os_error_line(err)}")
        sys.exit(ExitCode.ERROR)
    except Exception as err:
        if debug:
            raise
        say(f"sealfile: internal error ({type(err).__name__}); rerun with --debug for details")
        sys.exit(ExitCode.INTERNAL)


def explain_markers(err: SealfileError) -> None:
    """Conflict markers in a file: the fix depends on what git still holds of that merge (only here: git runs)."""
    if isinstance(err, ConflictMarkersError) and err.file and err.file != "-":
        from sealfile.gitflow.merge_again import markers_recovery

        err.how = markers_recovery(err.file)


def way_back(err: SealfileError) -> str:
    """For a file that fails its integrity check where git holds another version of it: how to get that back.
    ``git checkout -p`` keeping part of a change, or a hand edit, leaves a file whose MAC no longer matches."""
    if not isinstance(err, IntegrityError) or not err.file or err.file == "-":
        return ""
    from sealfile.gitflow.staged import changed_since_commit  # only here: a file that failed its check

    if not changed_since_commit(err.file):
        return ""
    import shlex

    name = shlex.quote(err.file)
    return ("; it differs from the committed version: changed outside sealfile (by hand, or 'git checkout -p' kept "
            f"part of a change)? bring that back with 'git checkout -- {name}' and make the change with 'sealfile "
            "set' or 'sealfile edit'")

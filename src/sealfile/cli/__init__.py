"""The ``sealfile`` command: click commands, and a click-free fast path for the hot ones."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any


def main() -> None:
    """Run the command line: :mod:`sealfile.cli.fast` when it can, else click (:mod:`sealfile.cli.app`).

    Cyclic garbage collection is off for the run: a command is short and makes no cycles worth
    collecting (peak memory of decrypt, set and encrypt at 30,000 values is the same without it),
    while each collection walks every object of the parse again: ~20% of a 30,000-value decrypt,
    and ~10 ms of a small one's start-up. Reference counting still frees everything else."""
    gc.disable()
    _no_core_dumps()
    _standard_streams()
    _library_notices_hidden()
    from sealfile.files.termination import Terminated, unwinding_on

    try:
        # SIGTERM (timeout, CI, kill), SIGHUP (a closed terminal) and the like unwind as Ctrl-C does, in every
        # command: the same cleanup and one line saying what was written, not a silent death
        with unwinding_on(Terminated):
            from sealfile.cli import fast

            if fast.run(sys.argv[1:]):
                return
            from sealfile.cli.app import main as click_main

            click_main()
    except KeyboardInterrupt as interruption:  # while modules load or a line is parsed: before any command's own
        from sealfile.cli.boundary import Interrupted, interrupted, say

        say(f"sealfile: {interrupted()}")
        raise Interrupted(interruption) from None


def _library_notices_hidden() -> None:
    """Notices that the libraries sealfile uses give *their* users (Google's SDK: a ``FutureWarning`` on every
    start that it no longer supports this Python; deprecations) are not for a sealfile user, who cannot act on
    them, and they turned an error's one line into five. Hidden, unless Python is asked to show warnings
    (``-W``, ``PYTHONWARNINGS``) or ``--debug`` is given. A library program using sealfile keeps its own
    warning filters: only the command does this."""
    if sys.warnoptions or "--debug" in sys.argv[1:]:
        return
    import warnings  # loaded by Python's start already

    for category in (FutureWarning, DeprecationWarning, PendingDeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    # cryptography's deprecations are UserWarnings (CryptographyDeprecationWarning: loading a DSA key to refuse it
    # printed three lines); named by their text, as importing the class would cost every start its import
    warnings.filterwarnings("ignore", message=r".*\b(deprecated|will be removed)\b", category=UserWarning)


def _no_core_dumps() -> None:
    """A core dump (Ctrl-\\ sends SIGQUIT; a crash) would write this process's memory, its identities, data keys
    and plaintext, to a file, by default in the current directory: a repository. Off for this process and what
    it runs (the editor); the hard limit is left, so a debugging session may raise it again."""
    try:
        import resource
    except ImportError:  # Windows: no core files
        return
    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))


def _standard_streams() -> None:
    """A standard stream started closed (``2>&-``, a daemon's child) is opened on the null device: else the
    next file sealfile opens (a lock, the new sealed file) takes its number, what is written to the stream
    below Python can land in that file, and a program it runs (an editor, gpg, git) starts without the
    stream. Standard input and error are then read as empty and discarded (a success stays one, though it
    cannot say so); standard output stays closed to Python, so output written there fails in one line
    rather than vanishing."""
    for number in (0, 1, 2):
        try:
            os.fstat(number)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != number:
                os.dup2(null, number)  # inheritable, as a standard stream is
                os.close(null)
            else:
                os.set_inheritable(number, True)
    if sys.stdin is None:
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 (for the process's life)
    if sys.stderr is None or sys.stderr is sys.__stderr__:  # not one a test or a host program put there
        encoding = getattr(sys.__stderr__, "encoding", None) or "utf-8"
        sys.stderr = io.TextIOWrapper(io.BufferedWriter(_Diagnostics(2)), encoding=encoding, errors="backslashreplace",
                                      line_buffering=True, write_through=True)


class _Diagnostics(io.RawIOBase):
    """Standard error for notes and errors: one that cannot take them (``2>/dev/full``) loses them, but does not
    turn a command that did its work (a file written) into a failure: the exit status still tells."""

    def __init__(self, number: int) -> None:
        self._number = number

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._number

    def isatty(self) -> bool:
        return os.isatty(self._number)

    def write(self, data: Any) -> int:
        size = len(memoryview(data))
        with contextlib.suppress(OSError):
            return os.write(self._number, data)
        return size


def console() -> None:
    """The ``sealfile`` program: :func:`main`, then exit without the interpreter's teardown when it
    has nothing left to do.

    The teardown runs a full garbage collection and frees every module and object one by one: ~20 M
    instructions, a tenth of a small ``decrypt``. It is skipped only when it would do nothing else:
    no ``atexit`` callback registered, no other Python thread alive, and the standard streams flushed.
    Otherwise, or if a flush fails (a closed pipe), Python exits as always and reports what it does."""
    from sealfile.cli.boundary import Interrupted

    try:
        main()
        code = 0
    except Interrupted as stopped:
        _end_by(stopped.signal, stopped.code)
    except SystemExit as done:
        if done.code is not None and not isinstance(done.code, int):
            raise  # ``sys.exit("text")``: Python prints it
        code = done.code or 0
    _exit(code)


def _end_by(signum: int, code: Any) -> None:
    """End the process by ``signum``, after what a normal exit runs first (``atexit`` callbacks, flushing the
    streams), as CPython itself ends on an uncaught Ctrl-C. A signal whose default action writes a core dump
    (Ctrl-\\'s SIGQUIT) is not raised again, as the dump would hold this process's keys and plaintext: the
    status is then the one a shell shows for it, 128 + its number. Where signals cannot end a process
    (Windows), exit with ``code``."""
    import atexit
    import signal

    run_callbacks = getattr(atexit, "_run_exitfuncs", None)
    if run_callbacks is not None:
        run_callbacks()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    if os.name == "posix":
        dumps_core = {getattr(signal, name, None) for name in ("SIGQUIT", "SIGXCPU", "SIGXFSZ", "SIGSYS")}
        if signum not in dumps_core:
            signal.signal(signum, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
            os.kill(os.getpid(), signum)
        os._exit(128 + signum)  # a signal that writes a core dump, or one not delivered at once
    sys.exit(code)


def _exit(code: int) -> None:
    import atexit
    import os

    callbacks = getattr(atexit, "_ncallbacks", None)  # CPython's; elsewhere, the usual exit
    threading = sys.modules.get("threading")
    if callbacks is None or callbacks() or (threading is not None and threading.active_count() > 1):
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        sys.exit(code)
    os._exit(code)


__all__ = ["console", "main"]

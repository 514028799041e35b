"""The ``sealfile`` command: click commands, and a click-free fast path for the hot ones."""

from __future__ import annotations

import contextlib
import gc
import sys


def main() -> None:
    """Run the command line: :mod:`sealfile.cli.fast` when it can, else click (:mod:`sealfile.cli.app`).

    Cyclic garbage collection is off for the run: a command is short and makes no cycles worth
    collecting (peak memory of decrypt, set and encrypt at 30,000 values is the same without it),
    while each collection walks every object of the parse again: ~20% of a 30,000-value decrypt,
    and ~10 ms of a small one's start-up. Reference counting still frees everything else."""
    gc.disable()
    _no_core_dumps()
    try:
        from sealfile.cli import fast

        if fast.run(sys.argv[1:]):
            return
        from sealfile.cli.app import main as click_main

        click_main()
    except KeyboardInterrupt:  # while modules load or a line is parsed: before any command's own boundary
        from sealfile.cli.boundary import interrupted, say
        from sealfile.cli.exit_codes import ExitCode

        say(f"sealfile: {interrupted()}")
        sys.exit(ExitCode.INTERRUPTED)


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


def console() -> None:
    """The ``sealfile`` program: :func:`main`, then exit without the interpreter's teardown when it
    has nothing left to do.

    The teardown runs a full garbage collection and frees every module and object one by one: ~20 M
    instructions, a tenth of a small ``decrypt``. It is skipped only when it would do nothing else:
    no ``atexit`` callback registered, no other Python thread alive, and the standard streams flushed.
    Otherwise, or if a flush fails (a closed pipe), Python exits as always and reports what it does."""
    try:
        main()
        code = 0
    except SystemExit as done:
        if done.code is not None and not isinstance(done.code, int):
            raise  # ``sys.exit("text")``: Python prints it
        code = done.code or 0
    _exit(code)


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

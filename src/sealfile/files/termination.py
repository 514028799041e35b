"""Signals that end a process unwound as Ctrl-C is, for the span of a block.

By default SIGTERM, SIGHUP, SIGQUIT (Ctrl-\\) and the other signals whose default is to end a process
(SIGUSR1, SIGALRM, SIGXFSZ...) end it on the spot: no ``finally`` runs, so an editor workspace would keep
its plaintext and forked workers would go on changing files after the command has ended. Inside
:func:`unwinding_on` the signal raises an exception instead, once (a second signal during the cleanup is
ignored, so the cleanup is not cut short). Only signals left to their default are taken: one the process
was started ignoring (``nohup``: SIGHUP) stays ignored, as shells keep it, and one a host program handles
(a profiler's SIGPROF, a test runner's SIGALRM) stays its own.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import FrameType

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    import signal
    from typing import Any
    Handler = Callable[[int, FrameType | None], Any]
else:  # the C module ``signal`` wraps: the same calls, with numbers and SIG_DFL/SIG_IGN as ints rather than
    import _signal as signal  # the wrapper's enums, whose creation cost every command ~3 M instructions


class Terminated(KeyboardInterrupt):
    """SIGTERM, SIGHUP (or another signal of :data:`ENDING`) unwound as Ctrl-C is: the same cleanup and message,
    where a command must say what it left (which files of several were written); ``args[0]``: the signal."""


def signal_of(interruption: BaseException) -> int:
    """The signal that raised ``interruption``: the number it carries (:class:`Terminated`'s, or an editor's that
    died of Ctrl-\\), that of the interruption it was raised from (an exception saying what was left when one
    came), else Ctrl-C's (SIGINT)."""
    if isinstance(interruption, KeyboardInterrupt) and interruption.args and isinstance(interruption.args[0], int):
        return int(interruption.args[0])
    if isinstance(interruption.__cause__, KeyboardInterrupt):
        return signal_of(interruption.__cause__)
    return signal.SIGINT


_held: list[BaseException] | None = None
"""Inside :func:`held_back`: the exceptions of the signals that came, raised when the block ends."""


@contextlib.contextmanager
def handled(signals: Iterable[int], handler: Handler) -> Iterator[None]:
    """``handler`` for each of ``signals`` while the block runs; the previous handlers back after it."""
    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


ENDING = tuple(getattr(signal, name) for name in (
    "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM", "SIGPROF", "SIGXCPU", "SIGXFSZ",
    "SIGIO", "SIGPWR") if hasattr(signal, name))
"""Every signal a process may catch whose default action ends it (where the platform has it), Ctrl-C aside."""


@contextlib.contextmanager
def unwinding_on(exception: type[BaseException]) -> Iterator[None]:
    """Raise ``exception(signum)`` on each signal of :data:`ENDING` left to its default, while the block runs."""
    def handler(signum: int, frame: FrameType | None) -> None:
        signal.signal(signum, signal.SIG_IGN)
        if _held is not None:
            _held.append(exception(signum))
            return
        raise exception(signum)

    if not in_main_thread():
        yield  # only the main thread receives signals (and may set handlers)
        return
    wanted = [sig for sig in ENDING if signal.getsignal(sig) == signal.SIG_DFL]
    with handled(wanted, handler):
        yield


@contextlib.contextmanager
def held_back() -> Iterator[None]:
    """Inside, a signal that unwinds (Ctrl-C, and those :func:`unwinding_on` takes) is raised only when the
    block ends. Work started inside is then always known to what stops it: a child process runs before
    ``Popen`` returns its handle, a pool's thread before the pool records it, a forked worker before its pid
    is kept; an exception raised in between would leave it running, with nothing to stop or wait for it (an
    editor holding the plaintext, and the terminal; a file written after the command said it was not). A
    process forked inside calls :func:`release_in_child` first."""
    global _held
    outer, _held = _held, []
    holds_ctrl_c = in_main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if holds_ctrl_c:
        signal.signal(signal.SIGINT, _hold_ctrl_c)
    try:
        yield
    finally:
        if holds_ctrl_c:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        came, _held = _held, outer
    if came:
        raise came[0]


def _hold_ctrl_c(signum: int, frame: FrameType | None) -> None:
    if _held is None:  # in a process forked inside :func:`held_back`, released
        raise KeyboardInterrupt
    _held.append(KeyboardInterrupt())


def release_in_child() -> None:
    """In a process forked inside :func:`held_back`: signals unwind it at once again, and one that came since the
    fork is raised now (its parent's block never ends here, so what it held would never be raised)."""
    global _held
    came, _held = _held, None
    if came:
        raise came[0]


def in_main_thread() -> bool:
    threading = sys.modules.get("threading")  # not loaded: no other thread runs
    return threading is None or threading.current_thread() is threading.main_thread()


TERMINAL_KEYS = tuple(sig for sig in (signal.SIGINT, getattr(signal, "SIGQUIT", None)) if sig is not None)
"""What Ctrl-C and Ctrl-\\ send."""


def _left_to_the_child(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C or Ctrl-\\ while a program runs in the foreground: that program's to act on."""


@contextlib.contextmanager
def terminal_keys_to_child() -> Iterator[None]:
    """Ctrl-C and Ctrl-\\ reach every process of the terminal's foreground group: the program sealfile
    runs there (an editor: vim leaves insert mode, nano and emacs cancel a command), and sealfile, which
    would stop and kill it, losing the user's text. As git does with its editor, sealfile waits on, and
    the caller stops only if the program dies of one. A handler that does nothing, not ``SIG_IGN``: a
    program started inside gets the default back, while an ignored signal would stay ignored there."""
    if not in_main_thread():
        yield  # only the main thread receives signals (and may set handlers)
        return
    with handled(TERMINAL_KEYS, _left_to_the_child):
        yield


@contextlib.contextmanager
def woken_by_signals() -> Iterator[int]:
    """The read end of a pipe that each signal with a Python handler writes a byte to while the block runs (in
    the main thread), for :func:`ready_or_signalled`."""
    read_end, write_end = os.pipe()
    try:
        os.set_blocking(read_end, False)
        os.set_blocking(write_end, False)  # the handler must never wait on a full pipe
        previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        try:
            yield read_end
        finally:
            signal.set_wakeup_fd(previous)
    finally:
        os.close(read_end)
        os.close(write_end)


def ready_or_signalled(fds: Sequence[int], wake: int) -> list[int]:
    """Wait until one of ``fds`` is ready to read or a signal comes; those ready (none: a signal came, whose
    handler runs at the next bytecode and, if it raises, ends the caller's wait). A blocking call (``read``,
    ``waitpid``) misses a signal whose handler ran after Python's last check and before the call started
    (the process preempted between them, as on a loaded machine): it waits on as if there had been none. A
    signal from any moment after :func:`woken_by_signals` began has its byte in ``wake`` instead."""
    import select

    ready = select.select([*fds, wake], [], [])[0]
    if wake in ready:
        with contextlib.suppress(BlockingIOError):
            while os.read(wake, 512):  # emptied: a signal that does not end the wait (one held) is no busy loop
                pass
    return [fd for fd in ready if fd != wake]

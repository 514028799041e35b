"""SIGTERM, SIGHUP and SIGQUIT (Ctrl-\\) unwound as Ctrl-C is, for the span of a block.

By default each of them ends the process on the spot: no ``finally`` runs, so an editor workspace
would keep its plaintext and forked workers would go on changing files after the command has ended.
Inside :func:`unwinding_on` the signal raises an exception instead, once (a second signal during the
cleanup is ignored, so the cleanup is not cut short).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import Any

Handler = Callable[[int, FrameType | None], Any]


@contextlib.contextmanager
def handled(signals: Iterable[int], handler: Handler) -> Iterator[None]:
    """``handler`` for each of ``signals`` while the block runs; the previous handlers back after it."""
    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def unwinding_on(exception: type[BaseException]) -> Iterator[None]:
    """Raise ``exception(signum)`` on SIGTERM, SIGHUP or SIGQUIT (where they exist) while the block runs."""
    def handler(signum: int, frame: FrameType | None) -> None:
        signal.signal(signum, signal.SIG_IGN)
        raise exception(signum)

    wanted = [sig for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None), getattr(signal, "SIGQUIT", None))
              if sig is not None]
    with handled(wanted, handler):
        yield

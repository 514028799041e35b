"""One call to a service, given up after a time however the service behaves.

A per-read timeout does not bound a service that keeps its connection open and answers a byte at a
time: the call runs in a daemon thread, and the caller stops waiting for it when the time is up
(the thread is left to finish or hang on its own: a daemon never holds up the process's exit).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")


def in_time(seconds: float, call: Callable[[], _T], late: Callable[[], BaseException]) -> _T:
    """``call()`` in a daemon thread, or ``late()`` raised when it has not returned after ``seconds``."""
    import threading  # only for a key held by a service: local keys (age, SSH) work in the caller's thread

    outcome: list[_T | BaseException] = []
    done = threading.Event()
    context = contextvars.copy_context()  # the caller's trust settings and offline mode apply there too

    def run() -> None:
        try:
            outcome.append(context.run(call))
        except BaseException as err:  # handed to the caller's thread as is
            outcome.append(err)
        finally:
            done.set()

    threading.Thread(target=run, name="sealfile-kms-call", daemon=True).start()
    if not done.wait(seconds):
        raise late()
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result

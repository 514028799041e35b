"""Independent pieces of work spread over processes, for Python work that threads cannot overlap.

Threads (:mod:`sealfile.cli.batch`) overlap waits on key services but not Python work: the
interpreter runs one thread at a time, and sealing a small file is ~9 ms of it. Here the work is
split into contiguous shares; this process forks a worker for every share but the first, works on
the first itself, then collects each worker's results (pickled through a pipe) in order.

Only where it is safe and pays (:func:`worker_count`): ``fork`` exists, no other thread runs yet
(a fork copies only the calling thread), nothing could ask a question (no terminal, no askpass
program: two processes would ask at once), and there are enough items to share.
``SEALFILE_WORKERS`` caps the processes (``1``: none).

No worker outlives the command: interrupted (Ctrl-C, or SIGTERM/SIGHUP sent to this process alone, as
``timeout`` and CI runners send it) or failing, this process stops the workers and waits for them, each
finishing or abandoning its file whole; a worker whose parent is killed outright is sent SIGTERM (Linux).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sealfile.cli.boundary import replaced_files
from sealfile.files.termination import ENDING, Terminated, held_back, release_in_child, unwinding_on

WORKERS_ENV = "SEALFILE_WORKERS"
ITEMS_PER_WORKER = 8
"""Fewer items than this per process do not pay for a fork."""
MAX_WORKERS = 8

T = TypeVar("T")


class WorkerLost(RuntimeError):
    """A worker process ended without its results (killed, or interrupted)."""


class Stopped(KeyboardInterrupt):
    """Interrupted while workers ran (the cause: Ctrl-C or :class:`Terminated`), every worker now ended;
    ``written``: the files the workers wrote (what this process wrote, it knows itself)."""

    def __init__(self, written: list[str]) -> None:
        super().__init__(written)
        self.written = written


def worker_count(items: int) -> int:
    """How many processes should share ``items`` pieces of work here (1: stay in this one)."""
    from sealfile.files.settings import positive_setting

    # read first, so a value that is not a cap stops the command wherever it runs, never falls back unsaid
    cap = positive_setting(WORKERS_ENV, MAX_WORKERS, unit="processes", kind=int)
    if not hasattr(os, "fork") or threading.active_count() > 1 or _could_ask():
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cap, cores, items // ITEMS_PER_WORKER))


def _could_ask() -> bool:
    from sealfile.kms.passphrase import ASKPASS_ENV, terminal_present

    return bool(os.environ.get(ASKPASS_ENV)) or terminal_present()


def shares(items: Sequence[T], workers: int) -> list[Sequence[T]]:
    """``items`` cut into ``workers`` contiguous shares of nearly equal size, in order."""
    size, extra = divmod(len(items), workers)
    cuts = [0]
    for index in range(workers):
        cuts.append(cuts[-1] + size + (index < extra))
    return [items[start:end] for start, end in itertools.pairwise(cuts)]


def map_shares(work: Callable[[Sequence[T]], list[Any]], items: Sequence[T], workers: int) -> list[Any]:
    """``work`` on each share of ``items`` (the first here, the others in forked workers); the
    results in the items' order. :class:`WorkerLost` if a worker ended without its results."""
    parts = shares(items, workers)
    sys.stdout.flush()
    sys.stderr.flush()  # a forked child must not write again what this process had buffered
    running: dict[int, int] = {}  # each worker's pid and the read end of its pipe
    with unwinding_on(Terminated):  # installed before the forks: the workers unwind alike
        try:
            for part in parts[1:]:
                with held_back():  # a worker forked is kept in ``running`` before Ctrl-C lands, then stopped
                    pid, read_end = _fork(work, part)
                    running[pid] = read_end
            results = list(work(parts[0]))
            for pid in list(running):
                results.extend(_collect(pid, running))
        except KeyboardInterrupt as interrupt:
            raise Stopped(_stop(running)) from interrupt
        finally:
            _stop(running)
    return results


def _stop(running: dict[int, int]) -> list[str]:
    """Workers still running (this process was interrupted, or failed): told to stop, then waited for, each
    finishing or abandoning its file whole. The files they wrote, as their reports say."""
    for pid in running:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    written: list[str] = []
    for pid, read_end in list(running.items()):
        with os.fdopen(read_end, "rb", closefd=False) as pipe:
            payload = pipe.read()
        os.waitpid(pid, 0)
        del running[pid]
        os.close(read_end)
        if payload:
            written.extend(pickle.loads(payload)[0])  # our own child's report, never a file's
    return written


def _die_with(parent: int) -> None:
    """Linux: SIGTERM this worker when its parent dies, even killed outright (``kill -9``)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # already gone before that took effect
        os._exit(1)


def _fork(work: Callable[[Sequence[T]], list[Any]], part: Sequence[T]) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the worker: its share, its results down the pipe, then gone (no atexit, no flush)
        os.close(read_end)
        status = 1
        try:
            _die_with(parent)
            before = len(replaced_files())
            try:
                release_in_child()  # told to stop before this: raised here
                results: list[Any] | None = work(part)
            except KeyboardInterrupt:  # told to stop: every file whole; which ones it wrote, the parent says
                results = None
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *ENDING})  # the report is not cut short
            payload = pickle.dumps((replaced_files()[before:], results))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0 if results is not None else 1
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, running: dict[int, int]) -> list[Any]:
    """A worker's results, once it has ended (then no longer ``running``)."""
    with os.fdopen(running[pid], "rb", closefd=False) as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    os.close(running.pop(pid))
    results: list[Any] | None = pickle.loads(payload)[1] if payload else None  # our own child's, never a file's
    if status != 0 or results is None:
        raise WorkerLost("a worker process ended before it finished its files")
    return results

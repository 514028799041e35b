"""One writer per sealed file: a second ``edit``/``set`` waits for the first (``SEALFILE_LOCK_WAIT``
seconds at most, default 10) instead of losing a change, then fails with one line.

Writers of a small file take tens of milliseconds, so commands a script starts side by side on one file
(``sealfile set f a 1 & sealfile set f b 2``) all succeed, one after another; a file held longer (an
``edit`` open in an editor) makes the second command fail once the wait is over, never hang.

An ``flock`` on a lock file named after the sealed file's real path, kept in the user's private
lock directory (:mod:`sealfile.files.userdirs`): never next to the sealed file, where it would
show in ``git status``, and independent of the atomic replacement that gives the sealed file a
new inode on every write. Where ``flock`` is missing or the file system refuses it, a
``filelock`` lock (``LockFileEx`` on Windows, a lock file where neither exists).

Why not ``filelock`` everywhere: importing it (4.x) costs 40-100 ms, more than the rest of a
``set`` on a small file; on Unix it takes the same ``flock`` this module takes, so the two see
each other's locks.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from sealfile.errors import ConcurrentEditError, SealfileError
from sealfile.files.settings import positive_setting
from sealfile.files.userdirs import private_directory


def lock_path(path: str | os.PathLike[str]) -> str:
    """The lock file for ``path``: one per real path, so two spellings of one file share it."""
    from cryptography.hazmat.primitives import hashes  # not hashlib: a second OpenSSL, loaded for one digest

    hasher = hashes.Hash(hashes.SHA256())
    hasher.update(os.path.realpath(path).encode("utf-8", "surrogateescape"))
    digest = hasher.finalize().hex()[:32]
    return os.path.join(private_directory("locks", anywhere=True), f"{digest}.lock")


_BUSY = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES)
LOCK_WAIT_ENV = "SEALFILE_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 10.0


def lock_wait() -> float:
    """How long a writer waits for another one to finish with the file (seconds; 0: not at all)."""
    return positive_setting(LOCK_WAIT_ENV, DEFAULT_LOCK_WAIT, unit="seconds", kind=float, maximum=3600.0, zero=True)


def _busy(path: str | os.PathLike[str], waited: float) -> ConcurrentEditError:
    still = f" (still, after waiting {waited:g} s; see {LOCK_WAIT_ENV})" if waited else ""
    return ConcurrentEditError(f"another sealfile process is changing this file{still}; "
                               "try again when it has finished", file=os.fspath(path))


def _cannot_lock(err: OSError, path: str | os.PathLike[str]) -> SealfileError:
    """The file the command was about to change, with where its lock would be and why it is not."""
    where = f"{err.filename}: " if err.filename else ""
    return SealfileError(f"cannot take its lock ({where}{err.strerror or type(err).__name__}); nothing was changed",
                         file=os.fspath(path))


class _Held(threading.local):
    """The lock files this thread holds: a write inside a block that holds the file's lock (``set`` reads,
    changes and writes under it) takes it again at no cost. Per thread, as ``flock``: another thread of
    this process waits as another process does."""

    def __init__(self) -> None:
        self.paths: set[str] = set()


_held = _Held()


@contextlib.contextmanager
def locked(path: str | os.PathLike[str], wait: float | None = None) -> Iterator[None]:
    """Hold the file's lock for the block, waiting up to ``wait`` seconds (default :func:`lock_wait`) for
    another process to release it; then :class:`ConcurrentEditError`. Re-entrant within a thread."""
    try:
        target = lock_path(path)
    except OSError as err:  # no private directory for locks (HOME unset, read-only, full)
        raise _cannot_lock(err, path) from None
    if target in _held.paths:
        yield
        return
    _held.paths.add(target)
    try:
        with _locked(target, path, lock_wait() if wait is None else wait):
            yield
    finally:
        _held.paths.discard(target)


@contextlib.contextmanager
def _locked(target: str, path: str | os.PathLike[str], wait: float) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:
        fcntl = None  # type: ignore[assignment]
    if fcntl is not None:
        try:
            handle = os.open(target, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            raise _cannot_lock(err, path) from None
        try:
            taken = _flock(fcntl, handle, wait)
            if taken:
                yield  # closing the descriptor releases the lock
                return
            if taken is False:
                raise _busy(path, wait)
        finally:
            os.close(handle)
    with _filelock(target, path, wait):  # no flock here, or a file system without it
        yield


def _flock(fcntl: Any, handle: int, wait: float) -> bool | None:
    """Take the ``flock``: True once taken, False if still held by another process after ``wait`` seconds,
    None where the file system has no ``flock``. Polled, as a blocking ``flock`` cannot be given a time limit
    without a signal handler; the first retries are quick, since most writers are done in milliseconds."""
    deadline, pause = time.monotonic() + wait, 0.005
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as err:
            if err.errno not in _BUSY:
                return None
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.1)


@contextlib.contextmanager
def _filelock(target: str, path: str | os.PathLike[str], wait: float) -> Iterator[None]:
    from filelock import FileLock, Timeout

    lock = FileLock(target, timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise _busy(path, wait) from None
    try:
        yield
    finally:
        lock.release()

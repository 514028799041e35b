"""One writer per sealed file: a second ``edit``/``set`` fails at once instead of losing a change.

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
from collections.abc import Iterator

from sealfile.errors import ConcurrentEditError, SealfileError
from sealfile.files.userdirs import private_directory


def lock_path(path: str | os.PathLike[str]) -> str:
    """The lock file for ``path``: one per real path, so two spellings of one file share it."""
    from cryptography.hazmat.primitives import hashes  # not hashlib: a second OpenSSL, loaded for one digest

    hasher = hashes.Hash(hashes.SHA256())
    hasher.update(os.path.realpath(path).encode("utf-8", "surrogateescape"))
    digest = hasher.finalize().hex()[:32]
    return os.path.join(private_directory("locks"), f"{digest}.lock")


_BUSY = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES)


def _busy(path: str | os.PathLike[str]) -> ConcurrentEditError:
    return ConcurrentEditError("another sealfile process is changing this file; try again when it has finished",
                               file=os.fspath(path))


def _cannot_lock(err: OSError, path: str | os.PathLike[str]) -> SealfileError:
    """The file the command was about to change, with where its lock would be and why it is not."""
    where = f"{err.filename}: " if err.filename else ""
    return SealfileError(f"cannot take its lock ({where}{err.strerror or type(err).__name__}); nothing was changed",
                         file=os.fspath(path))


@contextlib.contextmanager
def locked(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the file's lock for the block; :class:`ConcurrentEditError` at once if another process holds it."""
    try:
        target = lock_path(path)
    except OSError as err:  # no private directory for locks (HOME unset, read-only, full)
        raise _cannot_lock(err, path) from None
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
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                if err.errno in _BUSY:
                    raise _busy(path) from None
            else:
                yield  # closing the descriptor releases the lock
                return
        finally:
            os.close(handle)
    with _filelock(target, path):  # no flock here, or a file system without it
        yield


@contextlib.contextmanager
def _filelock(target: str, path: str | os.PathLike[str]) -> Iterator[None]:
    from filelock import FileLock, Timeout

    lock = FileLock(target, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise _busy(path) from None
    try:
        yield
    finally:
        lock.release()

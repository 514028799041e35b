"""One writer per sealed file: a second ``edit``/``set`` fails at once instead of losing a change.

A ``filelock`` lock (``flock`` on Unix, ``LockFileEx`` on Windows, a lock file where neither
exists) on a lock file named after the sealed file's real path, kept in the user's private
lock directory (:mod:`sealfile.files.userdirs`): never next to the sealed file, where it would
show in ``git status``, and independent of the atomic replacement that gives the sealed file a
new inode on every write.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator

from filelock import FileLock, Timeout

from sealfile.errors import ConcurrentEditError
from sealfile.files.userdirs import private_directory


def lock_path(path: str | os.PathLike[str]) -> str:
    """The lock file for ``path``: one per real path, so two spellings of one file share it."""
    digest = hashlib.sha256(os.path.realpath(path).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return os.path.join(private_directory("locks"), f"{digest}.lock")


@contextlib.contextmanager
def locked(path: str | os.PathLike[str]) -> Iterator[None]:
    lock = FileLock(lock_path(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ConcurrentEditError(
            "another sealfile process is changing this file; try again when it has finished", file=os.fspath(path)
        ) from None
    try:
        yield
    finally:
        lock.release()

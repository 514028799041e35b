"""One writer per sealed file: a second ``edit``/``set`` fails at once instead of losing a change.

An exclusive, non-blocking ``flock`` on the file itself (or, for a file not created yet, on
its directory). Writers replace the file atomically, which gives it a new inode; a process
that locked the old inode notices and retries, so two writers never both proceed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from sealfile.errors import ConcurrentEditError


@contextlib.contextmanager
def locked(path: str | os.PathLike[str]) -> Iterator[None]:
    target = Path(path)
    for _ in range(20):
        existing = target.exists()
        fd = os.open(target if existing else (target.parent or Path(".")), os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConcurrentEditError(
                    "another sealfile process is changing this file; try again when it has finished",
                    file=os.fspath(path),
                ) from None
            if existing and (not target.exists() or os.stat(target).st_ino != os.fstat(fd).st_ino):
                continue  # replaced while we waited: lock the new file instead
            if not existing and target.exists():
                continue  # created meanwhile: lock the file itself
            yield
            return
        finally:
            os.close(fd)
    raise ConcurrentEditError("the file keeps changing under us", file=os.fspath(path))

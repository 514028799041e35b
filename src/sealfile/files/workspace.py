"""The editor's private workspace: a fresh 0700 directory, locked while an ``edit`` uses it, and wiped (every
file in it overwritten with zeros, then removed) on every way out; one whose lock is free belongs to an
``edit`` that was killed (``kill -9`` skips every cleanup), and the next ``edit`` wipes it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from sealfile.errors import SealfileError
from sealfile.files.userdirs import restrict_to_owner

PREFIX = "sealfile-edit-"
LOCK_NAME = ".sealfile-edit.lock"
CREATION_GRACE_SECONDS = 60
"""A workspace without its lock yet is being created; after this long it was abandoned."""


@contextlib.contextmanager
def private_workspace(base: Path) -> Iterator[Path]:
    """A fresh private directory under ``base``, locked while in use, wiped and removed on the way out."""
    wipe_abandoned(base)
    try:
        directory = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))  # 0700 where modes apply
    except OSError as err:
        raise _no_workspace(base, err) from None
    lock = FileLock(str(directory / LOCK_NAME), timeout=0)
    try:
        try:
            restrict_to_owner(directory)
            lock.acquire()
        except OSError as err:  # its lock file, on a full or read-only /dev/shm: the file edited is the news
            raise _no_workspace(base, err) from None
        yield directory
    finally:
        wipe_tree(directory, keep=LOCK_NAME)
        lock.release()
        with contextlib.suppress(OSError):
            (directory / LOCK_NAME).unlink()
        with contextlib.suppress(OSError):
            directory.rmdir()


def _no_workspace(base: Path, err: OSError) -> SealfileError:
    return SealfileError(f"cannot make a workspace for the editor in {base} ({err.strerror or type(err).__name__}); "
                         "nothing was changed")


def _owned_by_someone_else(entry: Path) -> bool:
    getuid = getattr(os, "getuid", None)  # Windows: the base directory is the user's own already
    return getuid is not None and entry.stat().st_uid != getuid()


def _abandoned(entry: Path) -> bool:
    """A workspace of an ``edit`` that is gone: its lock is free, or it never got one and is old."""
    lock_file = entry / LOCK_NAME
    if not lock_file.exists():
        return time.time() - entry.stat().st_mtime > CREATION_GRACE_SECONDS
    lock = FileLock(str(lock_file), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return False  # an edit is running
    lock.release()
    return True


def wipe_abandoned(base: Path) -> None:
    """Wipe workspaces left by an ``edit`` that was killed (``kill -9`` skips every cleanup)."""
    with contextlib.suppress(OSError):
        for entry in base.iterdir():
            with contextlib.suppress(OSError):
                if (not entry.name.startswith(PREFIX) or entry.is_symlink() or not entry.is_dir()
                        or _owned_by_someone_else(entry) or not _abandoned(entry)):
                    continue
                wipe_tree(entry)
                entry.rmdir()


def wipe_tree(directory: Path, *, keep: str | None = None) -> None:
    """Overwrite every file below ``directory`` with zeros and remove it, then the subdirectories:
    the plaintext and any backup, swap or autosave file an editor made beside it. Symbolic links are
    removed, never followed. Never stops half-way: a file or directory the editor (or a script named as
    one) left read-only is given its owner's permissions back first, and one that still cannot be
    overwritten is removed all the same."""
    _open_up(directory)
    for root, dirs, files in os.walk(directory, topdown=False):
        for name in files:
            path = Path(root) / name
            if name == keep and Path(root) == directory:
                continue
            try:
                if path.is_symlink():
                    path.unlink()
                else:
                    wipe(path)
            except OSError:
                with contextlib.suppress(OSError):
                    path.unlink()
        for name in dirs:
            path = Path(root) / name
            with contextlib.suppress(OSError):
                if path.is_symlink():
                    path.unlink()
                else:
                    path.rmdir()


def _open_up(directory: Path) -> None:
    """Give the owner (this user) back read, write and search permission on ``directory`` and every directory
    below it: without them, what they hold could be neither listed, overwritten nor removed."""
    with contextlib.suppress(OSError):
        os.chmod(directory, 0o700)
    for root, dirs, _ in os.walk(directory):  # top down: each directory opened before it is listed
        for name in dirs:
            path = os.path.join(root, name)
            with contextlib.suppress(OSError):
                if not os.path.islink(path):
                    os.chmod(path, 0o700)


def wipe(path: Path) -> None:
    """Overwrite with zeros, then remove: the plaintext's pages do not linger in the tmpfs or on disk. A file
    left read-only is made writable first (it is the user's own, in the user's workspace)."""
    with contextlib.suppress(FileNotFoundError):
        try:
            _zero(path)
        except PermissionError:
            path.chmod(0o600)
            _zero(path)
        path.unlink()


def _zero(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.write(b"\0" * size)
        handle.flush()
        os.fsync(handle.fileno())

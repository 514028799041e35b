"""The file a write fills before it takes the target's name, and the ones a killed writer left.

Linux gives the new content an unnamed file (``O_TMPFILE``), named ``.NAME.<12 hex>.tmp`` only for the
instant before the rename; elsewhere (macOS, some network and FUSE file systems) it is a ``mkstemp`` file,
``.NAME.<8 characters>.tmp``, named from the start. A ``kill -9`` (or a power cut) while one has a name
leaves it beside the target: a partial sealed file that ``git status`` shows, or the plaintext of
``decrypt -o`` or an identity of ``keygen``. So the writer holds an ``flock`` on it from creation until it is
renamed or removed (the lock goes with the process, however it ends), and every write to ``NAME`` first
removes the pending files of ``NAME`` whose lock is free: their writer is gone. Where ``flock`` is missing
(Windows) nothing is locked or removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from typing import Any

_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT}
_SUFFIX = re.compile(r"[a-z0-9_]{8}\.tmp|[0-9a-f]{12}\.tmp")
"""What follows ``.NAME.`` in a pending file's name: ``mkstemp``'s 8 characters, or 12 hex digits."""


def _fcntl() -> Any:
    try:
        import fcntl
    except ImportError:  # Windows
        return None
    return fcntl


def pending_name(directory: str, name: str) -> str:
    """A fresh name for a pending file of ``name`` in ``directory`` (one :func:`remove_abandoned` knows)."""
    return os.path.join(directory, f".{name}.{os.urandom(6).hex()}.tmp")


def new_pending(directory: str, name: str) -> tuple[int, str | None]:
    """An fd for the new content of ``directory/name``, locked for the life of the fd, and its name (None
    while it has none: ``O_TMPFILE``). The abandoned pending files of ``name`` are removed first."""
    fcntl = _fcntl()
    remove_abandoned(directory, name)
    while True:
        fd, tmp = _unnamed_file(directory, name)
        if fcntl is None:
            return fd, tmp
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits only while another write's sweep looks at it
            if os.fstat(fd).st_nlink or tmp is None:
                return fd, tmp
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # swept between mkstemp and the lock, as abandoned: a new one


def remove_abandoned(directory: str, name: str) -> None:
    """Remove the pending files of ``name`` in ``directory`` that no process holds: a writer killed while
    one had a name. Never one being written (its lock is held), a link, or another user's file."""
    fcntl = _fcntl()
    if fcntl is None:
        return
    prefix = f".{name}."
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and _SUFFIX.fullmatch(entry.name, len(prefix)):
                _remove_if_free(fcntl, entry.path)


def _remove_if_free(fcntl: Any, path: str) -> None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # a link, gone already, not ours to read
        return
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or os.geteuid() not in (0, info.st_uid):
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # its writer is at work
            return
        with contextlib.suppress(OSError):
            now = os.lstat(path)
            if (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino):
                os.unlink(path)
    finally:
        os.close(fd)


def _unnamed_file(directory: str, name: str) -> tuple[int, str | None]:
    flag = getattr(os, "O_TMPFILE", 0)
    if flag and os.path.isdir("/proc/self/fd"):
        try:
            return os.open(directory, flag | os.O_WRONLY, 0o600), None
        except OSError as err:
            if err.errno not in _NO_TMPFILE:
                raise
    import tempfile  # only where O_TMPFILE is missing: a start-up cost most writes need not pay

    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    return fd, tmp


def link_unnamed(fd: int, name: str) -> None:
    """Give an ``O_TMPFILE`` file a name: ``linkat`` with ``AT_SYMLINK_FOLLOW`` through ``/proc``
    (passing a dir fd makes Python call ``linkat`` rather than ``link``, which would not follow)."""
    dir_fd = os.open(os.path.dirname(name) or ".", os.O_RDONLY)
    try:
        os.link(f"/proc/self/fd/{fd}", os.path.basename(name), dst_dir_fd=dir_fd, follow_symlinks=True)
    finally:
        os.close(dir_fd)

"""Atomic file replacement: a reader (or a crash) sees the old file or the new one, never half.

Temp file in the same directory, fsync, rename over the target, fsync the directory. The
target keeps its mode; a new file gets ``mode`` (0600 for plaintext, umask-default otherwise).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from sealfile.errors import SealfileError


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *, mode: int | None = None) -> None:
    # Write through a symlink to the file it names: replacing the link itself would leave the
    # real file (e.g. a plaintext being sealed in place) as it was.
    target = Path(os.path.realpath(path))
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        final_mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        final_mode = mode if mode is not None else _default_mode()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except OSError as err:  # name the file the user asked for, not our temp file
        raise SealfileError(f"cannot write ({err.strerror or type(err).__name__})", file=os.fspath(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fchmod(handle.fileno(), final_mode)
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

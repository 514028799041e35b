"""Editing plaintext without it touching a disk: a private file on a RAM-backed filesystem.

The plaintext lives in a 0600 file inside a 0700 directory on tmpfs (``$XDG_RUNTIME_DIR`` or
``/dev/shm``) only while the editor runs; on every way out (success, invalid YAML, editor
crash, Ctrl-C, SIGTERM/SIGHUP) it is overwritten with zeros and removed. With no RAM-backed
place we refuse unless the user explicitly allows a disk.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TypeVar

from sealfile.errors import FormatError, SealfileError

RAM_FILESYSTEMS = {"tmpfs", "ramfs"}
T = TypeVar("T")


def _filesystem_type(path: Path) -> str | None:
    """The type of the filesystem holding ``path``, from the longest matching mount point."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    resolved = str(path.resolve())
    best, best_type = "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        inside = resolved == mount_point or resolved.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fields[2]
    return best_type


def ram_directory() -> Path | None:
    candidates = [os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"]
    for candidate in candidates:
        if not candidate:
            continue
        path = Path(candidate)
        if path.is_dir() and os.access(path, os.W_OK) and _filesystem_type(path) in RAM_FILESYSTEMS:
            return path
    return None


def private_workspace(allow_disk: bool) -> Path:
    base = ram_directory()
    if base is None:
        if not allow_disk:
            raise SealfileError(
                "no RAM-backed directory ($XDG_RUNTIME_DIR or /dev/shm on tmpfs) for the plaintext; "
                "pass --allow-disk to use the temporary directory on disk instead"
            )
        base = Path(tempfile.gettempdir())
    wipe_abandoned(base)
    return Path(tempfile.mkdtemp(prefix=f"sealfile-{os.getpid()}-", dir=base))  # mkdtemp makes it 0700


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wipe_abandoned(base: Path) -> None:
    """Wipe workspaces left by an ``edit`` that was killed (``kill -9`` skips every cleanup).

    Each workspace is named after its process id; one that is ours and whose process is gone
    is overwritten and removed. A live process (or a reused pid) keeps its workspace.
    """
    with contextlib.suppress(OSError):
        for entry in base.iterdir():
            parts = entry.name.split("-")
            if len(parts) < 3 or parts[0] != "sealfile" or not parts[1].isdigit():
                continue
            with contextlib.suppress(OSError):
                if entry.is_symlink() or entry.stat().st_uid != os.getuid() or _alive(int(parts[1])):
                    continue
                for leftover in entry.iterdir():
                    if leftover.is_file() and not leftover.is_symlink():
                        wipe(leftover)
                entry.rmdir()


def wipe(path: Path) -> None:
    """Overwrite with zeros, then remove: the plaintext's pages don't linger in the tmpfs."""
    with contextlib.suppress(FileNotFoundError):
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            handle.write(b"\0" * size)
            handle.flush()
            os.fsync(handle.fileno())
        path.unlink()


class _Terminated(BaseException):
    """SIGTERM/SIGHUP while editing: unwind through the cleanup like Ctrl-C does."""


@contextlib.contextmanager
def _signals_unwind() -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise _Terminated(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def editor_command() -> list[str]:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(editor)


def edit_plaintext(
    plaintext: str,
    accept: Callable[[str], T],
    *,
    allow_disk: bool = False,
    reopen: Callable[[FormatError], bool] = lambda err: False,
    name: str = "secrets.yaml",
) -> T:
    """Let the user edit ``plaintext``; ``accept`` turns the result into T or raises FormatError.

    On FormatError, ``reopen(err)`` decides whether to reopen the editor (the user's text is kept)
    or give up (the error propagates and nothing was written).
    """
    workspace = private_workspace(allow_disk)
    target = workspace / name
    try:
        with _signals_unwind():
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(plaintext)
            while True:
                status = subprocess.call([*editor_command(), str(target)])
                if status != 0:
                    raise SealfileError(f"the editor exited with status {status}; nothing was changed")
                edited = target.read_text(encoding="utf-8")
                try:
                    return accept(edited)
                except FormatError as err:
                    if not reopen(err):
                        raise FormatError(f"edited text: {err.message}; the sealed file was not changed",
                                          keypath=err.keypath) from None
    except _Terminated:
        raise SealfileError("terminated by a signal; nothing was changed") from None
    finally:
        wipe(target)
        with contextlib.suppress(OSError):
            workspace.rmdir()

"""Atomic file replacement: a reader (or a crash) sees the old file or the new one, never half.

The new content is written to an unnamed file in the target's directory (Linux ``O_TMPFILE``;
elsewhere a 0600 ``mkstemp`` file), fsynced, given the target's mode, linked under a temporary
name and renamed over the target; then the directory is fsynced. An unnamed file vanishes with
the process, so a ``kill -9`` during the write leaves nothing behind; one that had a name (the
``mkstemp`` fallback, or the instant before the rename) is removed by the next write of the file
(:mod:`sealfile.files.pending`). The target keeps its mode (minus group and
other bits for plaintext) and, unless plaintext, its group (and owner, as root); a new file gets ``mode`` (0600 for
plaintext, umask-default otherwise).
A file with several hard links is refused: the new file would take one name only; so is a read-only
file, whose owner said it is not to change (:func:`check_replaceable`). A caller that
read the file first passes what it read (``replacing``): a change another program made since (git,
an editor, a second ``encrypt -i``) is checked for just before the rename and refused, not lost.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from typing import Literal

from sealfile.errors import ChangedMeanwhile, SealfileError
from sealfile.files.pending import link_unnamed, new_pending, pending_name

WRITE_DELAY_ENV = "SEALFILE_TEST_WRITE_DELAY"
REPLACED: list[str] = []
"""Every file this process has replaced, as named: an interruption after a write says which."""


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _test_pause() -> None:
    """Crash-test hook: ``SEALFILE_TEST_WRITE_DELAY=SECONDS`` pauses between the steps of a write, so
    a test's ``kill -9`` can land inside each of them (tests/reliability). Unset, it costs a lookup."""
    delay = os.environ.get(WRITE_DELAY_ENV)
    if delay:
        with contextlib.suppress(ValueError):
            time.sleep(min(max(float(delay), 0.0), 5.0))


def _write_all(fd: int, payload: bytes) -> None:
    chunk = max(1, len(payload) // 4)
    for start in range(0, len(payload), chunk):
        view = memoryview(payload)[start:start + chunk]
        while view:
            view = view[os.write(fd, view):]
        _test_pause()


def atomic_write(
    path: str | os.PathLike[str], data: str | bytes, *, mode: int | None = None, private: bool = False,
    replacing: bytes | Literal[False] | None = False,
) -> None:
    """Replace ``path`` with ``data``. ``private`` (plaintext): the result is never readable by group
    or others, even if the file it replaces was (a new file gets 0600 unless ``mode`` says otherwise).
    ``replacing``: the bytes the caller read at ``path`` (None: there was no file; False: not read); if it holds
    anything else when the new file is ready, nothing is written."""
    # Write through a symlink to the file it names: replacing the link itself would leave the
    # real file (e.g. a plaintext being sealed in place) as it was.
    target = os.path.realpath(path)
    directory, name = os.path.split(target)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    info = _existing(path)
    if info is None:
        final_mode = mode if mode is not None else 0o600 if private else _default_mode()
    else:
        final_mode = stat.S_IMODE(info.st_mode) | stat.S_IRUSR  # a write-only file: what is written can be read back
    if private:
        final_mode &= ~0o077
    try:
        fd, tmp = new_pending(directory, name)
    except OSError as err:
        raise _cannot_write(err, path) from None
    _test_pause()
    try:
        try:
            _write_all(fd, payload)
            if not private:  # plaintext stays the writer's: root's -o /tmp/x must not hand it to x's owner
                _keep_owner(fd, info, path)  # before the mode: a change of owner clears the set-id bits
            _set_mode(fd, final_mode)
            os.fsync(fd)
            _test_pause()
            with _signals_held():  # named and recorded as one step: an interruption says what it wrote
                _refuse_if_changed(target, replacing, path)  # before the new file has a name a kill -9 would leave
                if os.name == "nt" and tmp is not None:  # Windows renames no open file; nor locks one (pending)
                    os.close(fd)
                    fd = -1
                if replacing is None:
                    _name_new(fd, tmp, target, path)
                else:
                    if tmp is None:
                        tmp = pending_name(directory, name)
                        link_unnamed(fd, tmp)
                    os.replace(tmp, target)
                REPLACED.append(os.fspath(path))
        finally:
            if fd >= 0:
                os.close(fd)  # only now: its lock tells the next write that it is not abandoned
    except BaseException as err:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        if isinstance(err, OSError):  # a full disk, a quota, an I/O error: the target is as it was
            raise _cannot_write(err, path) from None
        raise
    _test_pause()
    _fsync_dir(directory)


def check_replaceable(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work, a ``path`` :func:`atomic_write` would refuse or fail to write: ``edit`` asks
    before the editor opens, so that the user does not type an edit that cannot be saved. Its directory is
    tried with a file made and dropped at once, so the cause is the system's own (read-only file system,
    permission denied, no such directory)."""
    _existing(path)
    directory = os.path.dirname(os.path.realpath(path))
    try:
        fd, tmp = new_pending(directory, os.path.basename(os.path.realpath(path)))
    except OSError as err:
        raise _cannot_write(err, path) from None
    try:
        if tmp is not None:
            os.unlink(tmp)
    finally:
        os.close(fd)


def _existing(path: str | os.PathLike[str]) -> os.stat_result | None:
    """The stat of the file at ``path`` (through links) if it may be replaced; None where there is none yet.
    Refused: a directory, pipe or device, a file with several hard links, one its owner made read-only."""
    try:
        info = os.stat(path)  # not the real path: /dev/stdout's link names a pipe by no path
    except FileNotFoundError:
        return None
    except OSError as err:  # a loop of links, a directory that cannot be searched
        raise _cannot_write(err, path) from None
    _refuse_not_a_file(info, path)
    _refuse_hard_links(info, path)
    _refuse_read_only(path)
    return info


def _refuse_read_only(path: str | os.PathLike[str]) -> None:
    """A file without write permission for the user is not replaced, though its directory would let a
    new file take its name: its owner made it read-only (``chmod a-w``), and ``>``, ``cp``, vim and SOPS
    all refuse to write it. As root, only a read-only file system refuses."""
    if not os.access(path, os.W_OK):
        if _on_read_only_file_system(path):  # no chmod helps there: say what does
            raise SealfileError("is on a read-only file system; nothing was written", file=os.fspath(path))
        raise SealfileError("is read-only (no write permission); nothing was written (chmod u+w it to change it)",
                            file=os.fspath(path))


def _on_read_only_file_system(path: str | os.PathLike[str]) -> bool:
    statvfs = getattr(os, "statvfs", None)  # Windows has none (nor mounts read-only this way)
    try:
        return statvfs is not None and bool(statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def refuse_link(path: str | os.PathLike[str]) -> None:
    """Refuse ``path`` if it is a symbolic link, or a relative path through one (``config/.env`` with
    ``config`` a link), links under ``/dev`` and ``/proc`` (``/dev/stdout``) aside: for writes whose name
    a repository can plant. A link a clone holds can point anywhere, ``~/.bashrc`` or a directory a web
    server or a CI artifact publishes: writing through it would put the content there, and
    :func:`atomic_write` follows links (so that ``encrypt -i`` seals the file a link names)."""
    name = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(name))
    if directory in ("/dev", "/proc") or directory.startswith(("/dev/", "/proc/")):
        return
    parts = [] if os.path.isabs(name) else os.path.normpath(os.path.dirname(name)).split(os.sep)
    linked = [os.path.join(*parts[:n]) for n in range(1, len(parts) + 1) if parts[0] not in (os.curdir, os.pardir)]
    for candidate in [*linked, name]:
        if os.path.islink(candidate):
            try:
                target = os.readlink(candidate)
            except OSError:
                target = "?"
            what = "is a symbolic link" if candidate == name else f"is reached through {candidate}, a symbolic link"
            raise SealfileError(f"{what} (to {target}); nothing was written through it, as a link a repository holds "
                                "could point anywhere (name the file it points to, if that is what you mean)",
                                file=name)


def _refuse_hard_links(info: os.stat_result, path: str | os.PathLike[str]) -> None:
    """A file with other names is not replaced: a new file in its place would leave those names with
    the old content (e.g. the values a removed recipient can still open), and writing it in place
    would not be atomic."""
    if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
        raise SealfileError(f"has {info.st_nlink} hard links; replacing it would leave the other names with the "
                            "old content, so nothing was written (give it a file of its own first)",
                            file=os.fspath(path))


def _signals_held() -> contextlib.AbstractContextManager[None]:
    """Ctrl-C or SIGTERM between the rename and its record in :data:`REPLACED` told the user no file was changed
    while one was: held back until both are done (only the main thread receives signals)."""
    from sealfile.files.termination import held_back, in_main_thread

    return held_back() if in_main_thread() else contextlib.nullcontext()


def _refuse_if_changed(target: str, replacing: bytes | Literal[False] | None, path: str | os.PathLike[str]) -> None:
    """The lock keeps other sealfile commands out, not git or an editor: a change they made while this
    command worked (an editor open, a key service or a passphrase prompt answering) is not saved over."""
    if replacing is False:
        return
    try:
        with open(target, "rb") as handle:
            now: bytes | None = handle.read(len(replacing) + 1 if replacing is not None else 1)
    except FileNotFoundError:
        now = None
    if now != replacing:
        raise _changed(path)


def _name_new(fd: int, tmp: str | None, target: str, path: str | os.PathLike[str]) -> None:
    """Give the new file the target's name only if no file has it: a link, which never replaces one, where a
    rename would replace a file another program made after :func:`_refuse_if_changed` looked."""
    try:
        if tmp is None:
            link_unnamed(fd, target)
        else:
            os.link(tmp, target)
    except FileExistsError:
        raise _changed(path) from None
    if tmp is not None:
        os.unlink(tmp)


def _changed(path: str | os.PathLike[str]) -> ChangedMeanwhile:
    return ChangedMeanwhile("changed by another program while sealfile was working on it; nothing was written "
                            "(run the command again to change the new version)", file=os.fspath(path))


def _refuse_not_a_file(info: os.stat_result, path: str | os.PathLike[str]) -> None:
    """A device, pipe or socket is never replaced by a file: ``-o /dev/null`` made /dev/null a regular file
    holding the plaintext. (:func:`sealfile.files.io.write_output` streams into a pipe itself, unless the
    command read it: ``rotate /dev/stdin`` from a pipe would put its result back into the pipe, lost.)"""
    if not stat.S_ISREG(info.st_mode):
        what = "a directory" if stat.S_ISDIR(info.st_mode) else "a pipe" if stat.S_ISFIFO(info.st_mode) else \
            "a socket" if stat.S_ISSOCK(info.st_mode) else "a device"
        hint = "a pipe it read is not written back" if what == "a pipe" else "- writes to standard output"
        raise SealfileError(f"is {what}, not a file; nothing was written ({hint})", file=os.fspath(path))


def _cannot_write(err: OSError, path: str | os.PathLike[str]) -> SealfileError:
    """The error naming the file the user asked for (never our temporary file, which is gone)."""
    return SealfileError(f"cannot write ({err.strerror or type(err).__name__})", file=os.fspath(path))


def _keep_owner(fd: int, info: os.stat_result | None, path: str | os.PathLike[str]) -> None:
    """The new file keeps the group of the file it replaces, and as root its owner too: a new file is the
    writer's, so ``sudo sealfile set`` made an application's 0600 file root's, and any write dropped the group a
    0640 file is shared with. A group the writer is not in cannot be kept: refused, not silently dropped.
    (Access lists and other extended attributes are not copied.)"""
    fchown, geteuid = getattr(os, "fchown", None), getattr(os, "geteuid", None)
    if info is None or fchown is None or geteuid is None:
        return
    new = os.fstat(fd)
    uid = info.st_uid if geteuid() == 0 else -1  # only root gives a file away
    if uid in (-1, new.st_uid) and info.st_gid == new.st_gid:
        return
    try:
        fchown(fd, uid, info.st_gid)
    except PermissionError:
        raise SealfileError(f"its group (id {info.st_gid}) would be lost: a new file cannot have it, as you are not in "
                            "it; nothing was written", file=os.fspath(path)) from None


def _set_mode(fd: int, mode: int) -> None:
    """Mode bits where they exist; Windows (before Python 3.13, no ``fchmod``) protects files by the
    access list they inherit from their directory instead."""
    fchmod = getattr(os, "fchmod", None)
    if fchmod is not None:
        fchmod(fd, mode)


def _fsync_dir(directory: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

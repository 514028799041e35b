"""sealfile's own per-user directories (locks, edit workspaces), chosen per platform and private to the user.

- Linux and other Unix: ``$XDG_CACHE_HOME/sealfile`` (default ``~/.cache/sealfile``);
- macOS: ``~/Library/Caches/sealfile``;
- Windows: ``%LOCALAPPDATA%\\sealfile``.

Locks have a second place: where the user's cache cannot be used (no home, or a read-only one, as in a
container run as a user without one), ``$XDG_RUNTIME_DIR/sealfile``, else ``sealfile-<uid>`` in the
system's temporary directory, used only if it is a directory the user owns (never a symlink, never another
user's). A command then still writes, one writer at a time, among the commands that see the same home.

"Private" is mode 0700 where mode bits mean something; on Windows, mode bits do not protect a
directory, so its access list is reduced to the user alone (``icacls``: inheritance removed, full
control for the current user only).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys

from sealfile.errors import NoHomeDirectory, SealfileError
from sealfile.files.pathnames import PathName, home, spelled

# Directory names are strings spelled as pathlib spells them (sealfile.files.pathnames): every
# command that writes takes its lock here.


def base_directory() -> str:
    """Always an absolute path: a relative one would name a directory per working directory, so two
    commands on one file, run from two directories, would take two different locks (and a ``.cache``
    would appear in the repository). A relative ``XDG_CACHE_HOME`` is ignored, as the XDG specification
    says; a relative ``HOME`` (or ``LOCALAPPDATA``) is :class:`NoHomeDirectory`."""
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or os.path.expanduser(r"~\AppData\Local")
        base = os.path.join(local, "sealfile")
    elif sys.platform == "darwin":
        base = os.path.join(home(), "Library", "Caches", "sealfile")
    else:
        cache = os.environ.get("XDG_CACHE_HOME", "")
        base = os.path.join(cache if os.path.isabs(cache) else os.path.join(home(), ".cache"), "sealfile")
    if not os.path.isabs(base):
        raise NoHomeDirectory(f"no absolute home directory for sealfile's locks ({base} is relative: set HOME to "
                              "an absolute path)")
    return spelled(base)


def private_directory(purpose: str, *, anywhere: bool = False) -> str:
    """``<base>/<purpose>``, created if needed, restricted to the current user and writable; ``anywhere``:
    else the same under the second place (see above), and if that fails too, the first place's error."""
    try:
        return _private(os.path.join(base_directory(), purpose))
    except (OSError, NoHomeDirectory):
        second = _second_place() if anywhere else None
        if second is not None:
            with contextlib.suppress(OSError):
                return _private(os.path.join(second, purpose))
        raise


def _private(directory: str) -> str:
    directory = spelled(directory)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    restrict_to_owner(directory)
    if not os.access(directory, os.W_OK | os.X_OK):  # a read-only home: no file can be made in it
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), directory)
    return directory


def _second_place() -> str | None:
    """``$XDG_RUNTIME_DIR/sealfile``, else ``<tmp>/sealfile-<uid>``, if the user owns it (Unix only)."""
    if sys.platform == "win32":
        return None
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if os.path.isabs(runtime) and _owned_directory(runtime):
        return os.path.join(runtime, "sealfile")
    import tempfile  # only here: most commands never need it

    shared = os.path.join(tempfile.gettempdir(), f"sealfile-{os.geteuid()}")
    with contextlib.suppress(OSError):  # there already, or not makeable: checked below either way
        os.mkdir(shared, 0o700)
    return shared if _owned_directory(shared) else None  # another user's, or a symlink: never used


def _owned_directory(path: str) -> bool:
    try:
        found = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(found.st_mode) and found.st_uid == os.geteuid()


def restrict_to_owner(directory: PathName) -> None:
    """Only the current user may list or open what ``directory`` holds."""
    if sys.platform != "win32":
        os.chmod(directory, 0o700)
        return
    user = os.environ.get("USERNAME")
    if not user:
        raise SealfileError(f"{directory}: cannot restrict access: USERNAME is not set")
    domain = os.environ.get("USERDOMAIN")
    account = f"{domain}\\{user}" if domain else user
    import subprocess  # Windows only

    done = subprocess.run(["icacls", str(directory), "/inheritance:r", "/grant:r", f"{account}:(OI)(CI)F"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SealfileError(f"{directory}: cannot restrict access to {account} (icacls exit {done.returncode})")

"""sealfile's own per-user directories (locks, edit workspaces), chosen per platform and private to the user.

- Linux and other Unix: ``$XDG_CACHE_HOME/sealfile`` (default ``~/.cache/sealfile``);
- macOS: ``~/Library/Caches/sealfile``;
- Windows: ``%LOCALAPPDATA%\\sealfile``.

"Private" is mode 0700 where mode bits mean something; on Windows, mode bits do not protect a
directory, so its access list is reduced to the user alone (``icacls``: inheritance removed, full
control for the current user only).
"""

from __future__ import annotations

import os
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


def private_directory(purpose: str) -> str:
    """``<base>/<purpose>``, created if needed and restricted to the current user."""
    directory = spelled(os.path.join(base_directory(), purpose))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    restrict_to_owner(directory)
    return directory


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

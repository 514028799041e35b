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
from pathlib import Path

from sealfile.errors import SealfileError


def base_directory() -> Path:
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or os.path.expanduser(r"~\AppData\Local")
        return Path(local) / "sealfile"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "sealfile"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sealfile"


def private_directory(purpose: str) -> Path:
    """``<base>/<purpose>``, created if needed and restricted to the current user."""
    directory = base_directory() / purpose
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    restrict_to_owner(directory)
    return directory


def restrict_to_owner(directory: Path) -> None:
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

"""Where ``.sealfile.yaml`` files are: the walk up from a sealed file, and whose files count.

Apart from :mod:`sealfile.ops.config` (which reads them, and imports the providers their creation
rules name) so that a reader that finds no config, the usual case, imports none of that.
"""

from __future__ import annotations

import os
from pathlib import Path

from sealfile.errors import ConfigError

CONFIG_NAME = ".sealfile.yaml"


def find_config(start: str | os.PathLike[str]) -> Path | None:
    """The ``.sealfile.yaml`` that governs ``start``: in its directory or the nearest one above.

    The walk ends at the repository root (the first directory holding ``.git``) or the user's
    home, and at any directory another user owns: a config above those is not the project's, and
    one another user could have written is not the user's. Found in such a place it is an error
    rather than silently ignored (it names the file and the owner)."""
    return next(iter(config_files(start)), None)


def config_files(start: str | os.PathLike[str]) -> list[Path]:
    """Every config that governs ``start``, nearest first (each adds its ``sealed_files`` patterns),
    found by the walk :func:`find_config` describes; above the nearest one, a directory another user
    owns ends the walk without a word."""
    directory = Path(start).resolve()
    directory = directory if directory.is_dir() else directory.parent
    try:
        home: Path | None = Path.home().resolve()
    except RuntimeError:  # no HOME and no password entry: the repository root or ownership ends the walk
        home = None
    found: list[Path] = []
    for candidate in (directory, *directory.parents):
        if found and not _owned_by_us(candidate):
            break
        config = candidate / CONFIG_NAME
        if config.is_file():
            for place in (candidate, config):
                _check_owner(place, config)
            found.append(config)
        if (candidate / ".git").exists() or candidate == home or not _owned_by_us(candidate):
            break
    return found


def _owned_by_us(path: Path) -> bool:
    """Owned by this user, or by root (who can change anything anyway); always true where
    files have no numeric owner."""
    if not hasattr(os, "geteuid"):
        return True
    return path.stat().st_uid in (os.geteuid(), 0)


def _check_owner(place: Path, config: Path) -> None:
    if not _owned_by_us(place):
        what = "its directory belongs" if place != config else "it belongs"
        raise ConfigError(f"not used: {what} to another user (uid {place.stat().st_uid}); "
                          "a project's .sealfile.yaml must be the user's own").in_file(str(config))

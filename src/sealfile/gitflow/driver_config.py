"""The drivers' two sections of git config (``diff.sealfile``, ``merge.sealfile``), written through the git CLI
and read back after each change: ``git config --remove-section`` exits 0 when it could not write the file (a
full disk, a spent quota; git 2.39), so an uninstall said "removed" of drivers still configured, and an install
that failed half-way left its config behind while saying nothing was written.

A failure names the config file, not git's lock file, as every other write does.
"""

from __future__ import annotations

import os
from pathlib import Path

from sealfile.errors import SealfileError
from sealfile.gitflow.gitcli import git

DRIVER = "sealfile"
SECTIONS = (f"diff.{DRIVER}", f"merge.{DRIVER}")


def entries(scope: str, where: Path) -> list[tuple[str, str]]:
    """The drivers' config in ``scope`` (``--local``, ``--global``), in git's order."""
    listed = git(["config", scope, "-z", "--get-regexp", rf"^(diff|merge)\.{DRIVER}\."], where, ok=(0, 1))
    return [(name, value) for name, _, value in (e.partition("\n") for e in listed.split("\0") if e)]


def config_file(scope: str, where: Path) -> str:
    """The file git writes for ``scope``: the clone's config, or the user's (``~/.gitconfig``, else an existing
    ``$XDG_CONFIG_HOME/git/config``, as git chooses)."""
    if scope != "--global":
        try:
            return git(["rev-parse", "--git-path", "config"], where).strip()
        except SealfileError:
            return ".git/config"
    named = os.environ.get("GIT_CONFIG_GLOBAL")
    if named:
        return named
    home = Path.home() / ".gitconfig"
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "git" / "config"
    return str(xdg if not home.exists() and xdg.exists() else home)


def set_entries(scope: str, where: Path, values: dict[str, str]) -> None:
    for name, value in values.items():
        try:
            git(["config", scope, name, value], where)
        except SealfileError as err:
            raise _cannot_write(scope, where, err.message) from None


def remove(scope: str, where: Path) -> None:
    """Remove both sections, and make sure they are gone."""
    try:
        for section in SECTIONS:
            git(["config", scope, "--remove-section", section], where, ok=(0, 1, 128))
    except SealfileError as err:
        raise _cannot_write(scope, where, err.message) from None
    if entries(scope, where):
        raise _cannot_write(scope, where, "the drivers' config is still there after 'git config --remove-section'")


def put_back(scope: str, where: Path, before: list[tuple[str, str]]) -> str | None:
    """Make the drivers' config what it was (``before``). None once it is; else what to tell the user."""
    try:
        if entries(scope, where) == before:
            return None
        for section in SECTIONS:
            git(["config", scope, "--remove-section", section], where, ok=(0, 1, 128))
        for name, value in before:
            git(["config", scope, "--add", name, value], where)
        if entries(scope, where) == before:
            return None
    except SealfileError:
        pass
    return (f"and the drivers' config in {config_file(scope, where)} could not be put back as it was (see "
            f"git config {scope} --get-regexp '^(diff|merge)\\.{DRIVER}\\.')")


def _cannot_write(scope: str, where: Path, cause: str) -> SealfileError:
    cause = cause.removeprefix("git config failed: ").removeprefix("error: ")
    return SealfileError(f"cannot write ({cause})", file=config_file(scope, where))

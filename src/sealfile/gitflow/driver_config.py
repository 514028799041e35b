"""The drivers' two sections of git config (``diff.sealfile``, ``merge.sealfile``), written through the git CLI
and read back after each change: ``git config --remove-section`` exits 0 when it could not write the file (a
full disk, a spent quota; git 2.39), so an uninstall said "removed" of drivers still configured, and an install
that failed half-way left its config behind while saying nothing was written.

A failure names the config file, not git's lock file, as every other write does.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from sealfile.errors import SealfileError
from sealfile.gitflow.driver_commands import CACHE, CACHE_REF, DRIVER, caching
from sealfile.gitflow.gitcli import git

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
    """Write ``values``, and turn git's cache of decrypted views (:data:`CACHE`) off: unset in ``scope``, and set
    false there where another config file still turns it on (a repository's config is read after the user's)."""
    try:
        for name, value in values.items():
            git(["config", scope, name, value], where)
        git(["config", scope, "--unset-all", CACHE], where, ok=(0, 5))
        if scope != "--global" and caching(_effective(CACHE, where)):
            git(["config", scope, CACHE, "false"], where)
    except SealfileError as err:
        raise _cannot_write(scope, where, err.message) from None


def drop_cache(where: Path) -> None:
    """Delete the notes git cached decrypted views in (:data:`CACHE_REF`), if this repository has them."""
    if git(["rev-parse", "-q", "--verify", CACHE_REF], where, ok=(0, 1)).strip():
        git(["update-ref", "-d", CACHE_REF], where)


def overridden(where: Path, values: dict[str, str]) -> str | None:
    """Which of ``values`` git does not take here as written, because a config file it reads later (a worktree's
    ``config.worktree``, the repository's over the user's) sets it otherwise: what to remove, or ``None``."""
    for name, value in [*values.items(), (CACHE, None)]:
        got = _effective(name, where)
        if got == value or (value is None and not caching(got)):
            continue
        origin = git(["config", "--show-origin", "--get", name], where, ok=(0, 1)).partition("\t")[0]
        if not origin.startswith("file:"):
            return f"git's command line (git -c, GIT_CONFIG_PARAMETERS) sets {name} otherwise: leave it out"
        source = origin.removeprefix("file:")
        return (f"{source} sets {name} otherwise, and git reads it after: remove it (git config --file {source} "
                f"--unset-all {name}), then run 'sealfile git install' again")
    return None


def external_diff(configured: str | None, where: str | Path) -> str | None:
    """What ``git diff`` here hands sealed files to instead of the diff driver, and the command that stops it; None
    when it uses the driver. An external diff program (``GIT_EXTERNAL_DIFF``, or ``diff.external``: ``configured``,
    difftastic's documented set-up) is given each file as stored, ciphertext: git runs no textconv for one, and says
    nothing of it."""
    program = os.environ.get("GIT_EXTERNAL_DIFF")
    if program:
        fix = "unset GIT_EXTERNAL_DIFF"
    elif configured and configured.strip():
        program = configured.strip()
        origin = git(["config", "--show-origin", "--get", "diff.external"], where, ok=(0, 1)).partition("\t")[0]
        fix = (f"git config --file {shlex.quote(origin.removeprefix('file:'))} --unset diff.external"
               if origin.startswith("file:") else "leave out git -c diff.external (or GIT_CONFIG_PARAMETERS)")
    else:
        return None
    return (f"git diff hands sealed files to the external diff program {program!r} as stored, ciphertext (git runs "
            f"no textconv for an external diff program): {fix} (or see them decrypted with git diff --no-ext-diff)")


def _effective(name: str, where: Path) -> str | None:
    got = git(["config", "--get", name], where, ok=(0, 1))
    return got.removesuffix("\n") if got else None


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

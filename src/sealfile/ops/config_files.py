"""Where ``.sealfile.yaml`` files are: the walk up from a sealed file, and whose files count.

Apart from :mod:`sealfile.ops.config` (which reads them, and imports the providers their creation
rules name) so that a reader that finds no config, the usual case, imports none of that.
"""

from __future__ import annotations

import os

from sealfile.errors import ConfigError, one_line
from sealfile.files.pathnames import absolute, exists, home, is_dir, is_file, parents, resolved

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from pathlib import Path

CONFIG_NAME = ".sealfile.yaml"


def find_config(start: str | os.PathLike[str]) -> Path | None:
    """The ``.sealfile.yaml`` that governs ``start`` (a file: :func:`governing_files`; a directory: in it
    or the nearest one above).

    The walk ends at the repository root (the first directory holding ``.git``, a submodule's
    checkout aside: :func:`_repository_top`) or the user's home, and at any directory another user
    owns: a config above those is not the project's, and one another user could have written is not
    the user's. Found in such a place it is an error
    rather than silently ignored (it names the file and the owner)."""
    return next(iter(config_files(start) if is_dir(start) else governing_files(start)), None)


def config_paths_above(path: str) -> list[str]:
    """Where a ``.sealfile.yaml`` governing ``path`` (relative to a work tree's top, ``/``-separated) may be
    in a revision, nearest first: the one list review, the merge driver and the signer checks walk (a config
    path's own entry is first in its list)."""
    from pathlib import PurePosixPath  # only the Git-side callers: a command's walk uses strings

    directories = PurePosixPath(path).parents
    return [CONFIG_NAME if d.as_posix() == "." else f"{d.as_posix()}/{CONFIG_NAME}" for d in directories]


def config_files(start: str | os.PathLike[str]) -> list[Path]:
    """Every config that governs ``start``, nearest first (each adds its ``sealed_files`` patterns),
    found by the walk :func:`find_config` describes; above the nearest one, a directory another user
    owns ends the walk without a word."""
    try:
        directory = resolved(start)  # strings, not Paths: every command walks here, most find nothing
    except RuntimeError:  # a symlink loop: reading the file fails too, and says so in one line
        directory = absolute(start)
    # The file, or even its directory, may not exist yet (a file git's merge renames into a new
    # directory, one 'edit' is about to create): no config can live in a directory that does not
    # exist, so the walk starts at the nearest one that does.
    directory = next(d for d in parents(directory) if is_dir(d))
    try:
        home_directory: str | None = resolved(home())
    except RuntimeError:  # no HOME and no password entry: the repository root or ownership ends the walk
        home_directory = None
    found: list[str] = []
    for candidate in parents(directory):
        if found and not _owned_by_us(candidate):
            break
        config = os.path.join(candidate, CONFIG_NAME)
        if not is_file(config) and os.path.lexists(config):
            # a dangling link, a directory, a device: skipping it would drop its signers and trust silently
            raise ConfigError("cannot be read: not a regular file (a dangling symlink, a directory or a device?)"
                              ).in_file(config)
        if is_file(config):
            for place in (candidate, config):
                _check_owner(place, config)
            found.append(config)
        if _repository_top(candidate):
            _refuse_linked_configs(found)
            break
        if candidate == home_directory or not _owned_by_us(candidate):
            break
    if not found:
        return []
    from pathlib import Path  # a config was found, and will be read

    return [Path(config) for config in found]


def sops_rules_hint(file: str | os.PathLike[str]) -> str:
    """When no ``.sealfile.yaml`` governs ``file`` but a ``.sops.yaml`` is above it in its project (the
    walk of :func:`config_files`), how to convert those rules: a team moving from SOPS has them there."""
    place = named_place(file)
    if governing_files(file):
        return ""
    directory = next(d for d in parents(absolute(place)) if is_dir(d))
    try:
        home_directory: str | None = resolved(home())
    except RuntimeError:
        home_directory = None
    for candidate in parents(directory):
        found = os.path.join(candidate, ".sops.yaml")
        if is_file(found):
            import shlex

            shown, target = os.path.relpath(found), os.path.relpath(os.path.join(candidate, CONFIG_NAME))
            return (f" (this project's rules are in {shown}: sealfile import-sops {shlex.quote(shown)} "
                    f"-o {shlex.quote(target)})")
        if _repository_top(candidate) or candidate == home_directory or not _owned_by_us(candidate):
            break
    return ""


def governing_files(file: str | os.PathLike[str]) -> list[Path]:
    """The configs that govern ``file``: :func:`config_files` of the place it is named at
    (:func:`named_place`), never of where a symbolic link on its way points."""
    return config_files(named_place(file))


def named_place(file: str | os.PathLike[str]) -> str:
    """The directory whose configs judge ``file`` (or a directory itself): its own, unless a symbolic
    link inside the repository leads there (the file, or a directory such as a committed
    ``prod -> /tmp/x``, however deep below it), then the directory holding the highest such link. A
    clone can hold a link to anywhere (a file another local user wrote in /tmp, beside a config of
    theirs; ``prod -> staging``), and what it points to is judged as a file written at the link's
    place would be. Links above the repository (``/tmp`` on macOS,
    a home reached through one) are followed, as is every link outside a repository."""
    whole = absolute(file)
    directory = whole if is_dir(whole) and not os.path.islink(whole) else os.path.dirname(whole)
    if os.path.realpath(directory) == directory:  # no link on the way: most files
        return directory
    inside = False
    for candidate in reversed(list(parents(directory))):  # from the root down
        top = exists(os.path.join(candidate, ".git"))
        # a link to a repository of the user's own (~/.git beside ~/src -> /data/src) is the way to that one
        if inside and os.path.islink(candidate) and not (top and _owned_by_us(candidate)):
            return os.path.dirname(candidate)
        inside = inside or top
    return directory


def named_path(file: str | os.PathLike[str]) -> str:
    """``file`` at its :func:`named_place`, absolute, with the links above the repository resolved (as
    the configs' own paths are): the path a creation rule's ``path_regex`` and the ``sealed_files``
    patterns are matched against."""
    whole = absolute(file)
    place = named_place(whole)
    try:
        real_place = resolved(place)
    except RuntimeError:  # a symlink loop: reading the file fails too, and says so in one line
        real_place = place
    below = os.path.relpath(whole, place)
    return real_place if below == os.curdir else os.path.join(real_place, below)


def _repository_top(directory: str) -> bool:
    """Whether ``directory`` is the top of a repository, for the walk: it holds ``.git``, and is not
    the checkout of a submodule (:func:`_submodule_checkout`). Anyone who can push can make a directory
    a submodule of their own: ended there, the walk would drop the superproject's signers for the files
    git checks out in it."""
    return exists(os.path.join(directory, ".git")) and not _submodule_checkout(directory)


def _submodule_checkout(directory: str) -> bool:
    """Whether ``directory`` is the top of a submodule's checkout: its ``.git`` is a file naming
    ``TOP/.git/modules/NAME`` of a superproject above it."""
    marker = os.path.join(directory, ".git")
    if not is_file(marker):
        return False
    try:
        with open(marker, encoding="utf-8", errors="replace") as handle:
            first = handle.readline(4096)
    except OSError:
        return False
    if not first.startswith("gitdir:"):
        return False
    git_dir = os.path.normpath(os.path.join(directory, first[len("gitdir:"):].strip()))
    top, found, _ = git_dir.partition(os.sep + os.path.join(".git", "modules") + os.sep)
    return bool(found) and directory.startswith(os.path.join(top, ""))


def _refuse_linked_configs(found: list[str]) -> None:
    """A repository's configs are its files: git stores a ``.sealfile.yaml`` link as the name it points to,
    and ``review`` reads that, not the signers of the file it leads to (``prod/.sealfile.yaml ->
    ../notes.yaml`` made ``notes.yaml`` the trust anchor, edited with no config change shown). Outside a
    repository (a home's config kept in a dotfiles checkout) a link is the user's own."""
    for config in found:
        if os.path.islink(config):
            raise ConfigError(f"not used: a symbolic link in the repository (to {one_line(os.readlink(config))}), "
                              "which review does not read as a config; make it a file").in_file(config)


def submodule_holding(config: str | os.PathLike[str]) -> str | None:
    """The top of the submodule checkout ``config`` is in (the nearest above it), or ``None`` when the walk up
    reaches a repository's own top (or the root) first."""
    for candidate in parents(os.path.dirname(absolute(config))):
        if _submodule_checkout(candidate):
            return candidate
        if exists(os.path.join(candidate, ".git")):
            return None
    return None


def _owned_by_us(path: str) -> bool:
    """Owned by this user, or by root (who can change anything anyway); always true where
    files have no numeric owner."""
    if not hasattr(os, "geteuid"):
        return True
    return os.stat(path).st_uid in (os.geteuid(), 0)


def _check_owner(place: str, config: str) -> None:
    if not _owned_by_us(place):
        what = "its directory belongs" if place != config else "it belongs"
        raise ConfigError(f"not used: {what} to another user (uid {os.stat(place).st_uid}); "
                          "a project's .sealfile.yaml must be the user's own").in_file(config)

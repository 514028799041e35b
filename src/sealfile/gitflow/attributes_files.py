"""Which attributes file of a clone sends sealed files to the sealfile drivers, as git reads them, cheaply (every
command that reads a sealed file asks): the repository's ``.gitattributes`` (in a sparse checkout that leaves it out
of the work tree, git reads the index's), its ``info/attributes`` (in the common git directory, which a linked
worktree shares: ``.git`` there is a file naming its own), and the user's.
"""

from __future__ import annotations

import os

from sealfile.files.io import max_file_bytes, read_quietly

DRIVER_NAME = "sealfile"
USES_DRIVER = (f"merge={DRIVER_NAME}", f"diff={DRIVER_NAME}")


def git_dirs(root: str) -> tuple[str, str]:
    """The git directory of the work tree ``root`` and the common one it shares (the same but in a linked worktree),
    read from ``.git`` as git does (a file ``gitdir: PATH`` in a worktree or a submodule), no git process."""
    dot_git = os.path.join(root, ".git")
    if os.path.isdir(dot_git):
        return dot_git, dot_git
    named = (read_quietly(dot_git) or "").strip()
    git_dir = os.path.join(root, named.removeprefix("gitdir:").strip()) if named.startswith("gitdir:") else dot_git
    common = (read_quietly(os.path.join(git_dir, "commondir")) or "").strip()
    return git_dir, os.path.normpath(os.path.join(git_dir, common)) if common else git_dir


def uses_drivers(root: str) -> bool:
    """Whether the repository's ``.gitattributes`` names a sealfile driver, as git reads it."""
    return names_drivers(os.path.join(root, ".gitattributes")) or _staged_names_drivers(root)


def _staged_names_drivers(root: str) -> bool:
    """A ``.gitattributes`` a sparse checkout leaves out of the work tree, which git reads from the index."""
    if os.path.lexists(os.path.join(root, ".gitattributes")):
        return False
    if not os.path.exists(os.path.join(git_dirs(root)[0], "info", "sparse-checkout")):
        return False  # most clones: no git process
    from sealfile.errors import SealfileError
    from sealfile.gitflow.gitcli import git

    try:  # its size first: whoever can push chooses the blob, and a check reads no more than any file it reads
        size = git(["cat-file", "-s", ":.gitattributes"], root, ok=(0, 128)).strip()
        if not size.isdigit() or int(size) > max_file_bytes():
            return False
        staged = git(["cat-file", "-p", ":.gitattributes"], root, ok=(0, 128))
    except SealfileError:
        return False
    return any(name in staged for name in USES_DRIVER)


def attributes_using_drivers(root: str) -> str | None:
    """The first attributes file git reads for ``root`` that names a sealfile driver, if any: the repository's
    ``.gitattributes`` or ``info/attributes``, or the user's at git's default place (where ``install --global``
    writes, unless ``core.attributesFile`` names another), which dotfiles can bring without the ``~/.gitconfig``
    that configures the drivers."""
    if uses_drivers(root):
        return os.path.join(root, ".gitattributes")
    candidates = (os.path.join(git_dirs(root)[1], "info", "attributes"), user_attributes())
    return next((path for path in candidates if names_drivers(path)), None)


def user_attributes() -> str:
    return os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "git", "attributes")


def names_drivers(attributes: str) -> bool:
    text = read_quietly(attributes) or ""
    return any(name in text for name in USES_DRIVER)

"""Is this clone set up? ``.gitattributes`` is versioned, the drivers' git config is not.

A repository whose ``.gitattributes`` sends sealed files to the sealfile drivers, in a clone that
never ran ``sealfile git install``, merges them as text (conflict markers in a sealed file) and
diffs them as ciphertext. :func:`missing_driver` spots that cheaply: nothing runs unless the
attributes name a sealfile driver, then one ``git config`` call.
"""

from __future__ import annotations

import os
from functools import lru_cache

from sealfile.errors import SealfileError
from sealfile.files.pathnames import exists, is_dir, parents

DRIVER_NAME = "sealfile"
_USES_DRIVER = (f"merge={DRIVER_NAME}", f"diff={DRIVER_NAME}")


def _repository_root(start: str) -> str | None:
    """The nearest directory holding ``.git``, from ``start`` (absolute) up."""
    directory = start if is_dir(start) else os.path.dirname(start)
    return next((d for d in parents(directory) if exists(os.path.join(d, ".git"))), None)


def missing_driver(path: str | os.PathLike[str]) -> str | None:
    """A one-line warning if ``path`` is in a clone whose attributes use the drivers it has not configured."""
    root = _repository_root(os.path.abspath(path))
    return None if root is None else _missing_in(root)


@lru_cache(maxsize=8)
def _missing_in(root: str) -> str | None:
    if not _uses_drivers(root):
        return None
    from sealfile.gitflow.gitcli import git  # only here: every command checks, few clones use drivers

    try:
        configured = git(["config", "--get", "merge.sealfile.driver"], root, ok=(0, 1)).strip()
    except SealfileError:
        return None  # no git here: nothing it could merge either
    if not configured:
        return (f"{root}: .gitattributes uses the sealfile merge and diff drivers, but this clone has none configured: "
                "run 'sealfile git install' (until then git merges sealed files as text)")
    program = _program(configured)
    if program is not None and not os.access(program, os.X_OK):
        return (f"{root}: the sealfile merge driver of this clone runs {program}, which is not there (a moved or "
                "deleted virtualenv?): run 'sealfile git install' again (until then every merge of a sealed file "
                "stops in a conflict that keeps our version)")
    return None


def _program(command: str) -> str | None:
    """The absolute path ``command`` (a shell command line) runs, if it names one."""
    import shlex  # only here: clones that use the drivers

    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return words[0] if words and os.path.isabs(words[0]) else None


def not_sent_to_driver(files: list[str], cwd: str | os.PathLike[str] = ".") -> list[str]:
    """Those of ``files`` (sealed files) that git would merge as text in a repository whose
    ``.gitattributes`` sends other files to the sealfile merge driver: a ``sealed_files`` pattern added
    to a ``.sealfile.yaml`` after the last ``sealfile git install``. Empty where the repository does
    not use the drivers at all, or git cannot answer."""
    root = _repository_root(os.path.abspath(cwd))
    if not files or root is None or not _uses_drivers(root):
        return []
    from sealfile.gitflow.gitcli import git  # only here: few clones use drivers

    try:
        out = git(["check-attr", "-z", "merge", "--", *files], cwd)
    except SealfileError:
        return []
    fields = out.split("\0")
    # -z: path, attribute, value for each file, in the order given
    return [path for path, value in zip(fields[0::3], fields[2::3], strict=False) if value != DRIVER_NAME]


def merged_without_driver(files: list[str], cwd: str | os.PathLike[str] = ".") -> list[str]:
    """Those of ``files`` (sealed files) that git merged itself, as text, in the merge in progress: the
    repository's ``.gitattributes`` uses the drivers but this clone has no merge driver configured.
    ``-X theirs`` or ``-X ours`` then resolves the conflicting hunks line by line (the ``mac`` line of
    one side over the values of both: a file nobody can open) and adjacent values go with them (a
    change lost, silently); git calls the merge clean either way."""
    root = _repository_root(os.path.abspath(cwd))
    if not files or root is None or not _uses_drivers(root):
        return []
    from sealfile.gitflow.gitcli import git  # only here: few clones use drivers
    from sealfile.gitflow.staged import merged_by_git

    try:
        if git(["config", "--get", "merge.sealfile.driver"], cwd, ok=(0, 1)).strip():
            return []
    except SealfileError:
        return []
    return merged_by_git(files, cwd)


def _uses_drivers(root: str) -> bool:
    try:
        with open(os.path.join(root, ".gitattributes"), encoding="utf-8", errors="replace") as handle:
            return any(name in handle.read() for name in _USES_DRIVER)
    except OSError:
        return False


def governing_configs_missing(path: str, top: str | os.PathLike[str] = ".", *, then: str = "") -> str | None:
    """Why whose seals to trust for ``path`` (relative to the work tree's top ``top``, as git names it)
    cannot be told, or ``None``: a tracked ``.sealfile.yaml`` of one of its directories is not in the
    work tree (outside a sparse checkout, or deleted by hand), so its ``signers:`` would go unread and
    a version they do not trust would be taken (by the merge driver, which signs its result) or shown.
    ``then``: the command to run once the config is back."""
    from pathlib import PurePosixPath

    from sealfile.gitflow.gitcli import git  # only here: the merge driver
    from sealfile.ops.config_files import CONFIG_NAME

    directories = [PurePosixPath(path).parents[i].as_posix() for i in range(len(PurePosixPath(path).parts))]
    configs = [CONFIG_NAME if d == "." else f"{d}/{CONFIG_NAME}" for d in reversed(directories)]
    absent = [c for c in configs if not os.path.lexists(os.path.join(top, c))]
    if not absent:
        return None
    listed = git(["--literal-pathspecs", "ls-files", "-t", "-z", "--", *absent], top)
    for entry in listed.split("\0"):
        tag, _, config = entry.partition(" ")
        if not config:
            continue
        directory = PurePosixPath(config).parent.as_posix()
        restore = (f"git sparse-checkout add {_quote(directory if directory != '.' else '/' + CONFIG_NAME)}"
                   if tag == "S" else f"git checkout -- {_quote(config)}")
        return (f"{config}, whose signers say whose seals to trust here, is not in the work tree (a sparse "
                f"checkout?); bring it back with: {restore}" + (f", then: {then}" if then else ""))
    return None


def _quote(word: str) -> str:
    import shlex  # only here: clones that use the drivers

    return shlex.quote(word)

"""Sealed files a change takes away from sealfile's git drivers, by editing a ``.gitattributes``.

Why: anyone who can push can add ``*.enc.yaml -diff`` (or ``diff=other``, ``merge=text``) to any
``.gitattributes``: ``git diff`` and ``git log -p`` then show ``Binary files differ`` for every sealed
file, or ciphertext, instead of the decrypted view, and later merges go line by line over ciphertext.
The review names each file that one revision gave a sealfile driver and the other does not. Git 2.39
has no ``check-attr --source``, so each revision's attributes are read from a temporary index holding
its tree (``read-tree``, then ``check-attr --cached``), which works in a bare repository too.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sealfile.errors import HistoryUnreadable, SealfileError
from sealfile.gitflow.attributes_files import DRIVER_NAME
from sealfile.gitflow.gitcli import git

_ATTRIBUTES = ("diff", "merge")
_EFFECT = {"diff": "'git diff' and 'git log -p' show none of its values", "merge": "git merges it as text"}


def drivers_dropped(base: str, head: str, root: Path, sealed: Callable[[str], bool]) -> list[str]:
    """A line per file of ``head`` that ``sealed`` names whose attribute ``base`` set to a sealfile driver
    and ``head`` does not; empty if git cannot answer."""
    try:
        files = [name for name in git(["ls-tree", "-r", "-z", "--name-only", head], root).split("\0")
                 if name and sealed(name)]
        if not files:
            return []
        before, after = _attributes(base, root, files), _attributes(head, root, files)
    except HistoryUnreadable:
        raise  # a partial clone's remote out of reach: not "no attributes changed"
    except SealfileError:
        return []
    found = []
    for path in files:
        lost = [f"{name}: {after[path][name]}" for name in _ATTRIBUTES
                if before.get(path, {}).get(name) == DRIVER_NAME and after[path].get(name) != DRIVER_NAME]
        if lost:
            found.append(f"{path}: .gitattributes no longer gives it to sealfile's drivers ({', '.join(lost)}): "
                         + " and ".join(_EFFECT[name.split(":")[0]] for name in lost))
    return found


def _attributes(rev: str, root: Path, files: list[str]) -> dict[str, dict[str, str]]:
    """``path -> {attribute: value}`` as git gives them to ``files`` with the ``.gitattributes`` of ``rev``, and
    nothing else: the reviewer's ``info/attributes``, ``~/.config/git/attributes`` or ``/etc/gitattributes`` (where
    ``install --global`` gives every clone of theirs the drivers) would hide a change that drops them everywhere else.
    So git reads the index in an empty git directory of its own, this repository's objects borrowed."""
    with tempfile.TemporaryDirectory(prefix="sealfile-attributes-") as scratch:
        env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        git(["read-tree", rev], root, env=env)
        _fetch_attributes(root, env)
        empty = os.path.join(scratch, "attributes")
        env |= {"GIT_DIR": _empty_git_dir(scratch), "GIT_ATTR_NOSYSTEM": "1", "GIT_ALTERNATE_OBJECT_DIRECTORIES":
                os.path.abspath(os.path.join(root, git(["rev-parse", "--git-path", "objects"], root).strip("\n")))}
        Path(empty).touch()
        # the files on git's input: every sealed file of a large repository exceeds the OS bound on a command line
        out = git(["-c", f"core.attributesFile={empty}", "check-attr", "--cached", "-z", "--stdin", *_ATTRIBUTES],
                  scratch, env=env, stdin="".join(f"{name}\0" for name in files))
    fields = out.split("\0")
    found: dict[str, dict[str, str]] = {}
    for path, attribute, value in zip(fields[0::3], fields[1::3], fields[2::3], strict=False):
        found.setdefault(path, {})[attribute] = value
    return found


def _fetch_attributes(root: Path, env: dict[str, str]) -> None:
    """Read every ``.gitattributes`` of the index ``env`` names where a partial clone fetches what it lacks (the
    empty git directory cannot, and would read a missing one as empty: as no attributes)."""
    staged = git(["ls-files", "-s", "-z", "--", ":(glob)**/.gitattributes", ".gitattributes"], root, env=env)
    blobs = [entry.split()[1] for entry in staged.split("\0") if entry]
    if blobs:
        git(["cat-file", "--batch-check"], root, stdin="".join(f"{blob}\n" for blob in blobs))


def _empty_git_dir(scratch: str) -> str:
    """A git directory with no objects, refs, config or ``info/attributes`` (what ``git init --bare`` makes, without
    its templates or a process)."""
    git_dir = os.path.join(scratch, "git")
    for directory in ("objects", "refs"):
        os.makedirs(os.path.join(git_dir, directory))
    Path(git_dir, "HEAD").write_text("ref: refs/heads/main\n")
    return git_dir

"""What ``git commit`` would take of a file when that is not what the working tree holds.

A commit takes the index, not the working tree: plaintext staged with ``git add`` and sealed in
place afterwards (``sealfile encrypt -i``) is committed in plaintext unless the file is staged
again. pre-commit hides unstaged changes while its hooks run; a plain ``.git/hooks/pre-commit``
or a CI job does not, so ``check`` also reads the staged version of each file whose staged
content differs from its working copy (compared as git stores it, after the clean filters:
``core.autocrlf`` alone is no difference).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from sealfile.errors import SealfileError
from sealfile.files.io import max_file_bytes
from sealfile.gitflow.gitcli import git, toplevel

Staged = dict[str, "bytes | None"]
"""File (as given) -> its staged content, ``None`` if larger than the size limit."""

_BLOB_ID = 1
_STAGE = 2


def staged_versions(files: Sequence[str | os.PathLike[str]], cwd: str | os.PathLike[str] = ".") -> Staged:
    """The staged content of each of ``files`` whose index entry differs from its working copy; empty
    outside a git work tree. Unmerged files are left out: git commits none until they are added."""
    if not files:
        return {}
    try:
        top = toplevel(cwd)
    except SealfileError:
        return {}
    named = {_relative(f, top): os.fspath(f) for f in files}
    blobs: dict[str, str] = {}
    for entry in git(["ls-files", "-z", "--stage"], top).split("\0"):
        info, _, path = entry.partition("\t")
        fields = info.split()
        if path in named and len(fields) == 3 and fields[_STAGE] == "0":
            blobs[path] = fields[_BLOB_ID]
    # hash-object reads one path a line: a name with a line break (no secrets file has one) is not compared
    present = [p for p in blobs if "\n" not in p and os.path.isfile(top / p)]
    worktree = _run(["hash-object", "--stdin-paths"], top, [p.encode() for p in present]).split()
    differing = [p for p, sha in zip(present, worktree, strict=True) if sha.decode() != blobs[p]]
    differing += [p for p in blobs if "\n" not in p and p not in present]
    if differing:  # 'git add -N' stages an empty placeholder that git commits as nothing: not a version
        placeholders = git(["--literal-pathspecs", "diff-files", "-z", "--name-only", "--diff-filter=A", "--",
                            *differing], top)
        differing = [p for p in differing if p not in set(placeholders.split("\0"))]
    return {named[p]: content for p, content in zip(differing, _blobs([blobs[p] for p in differing], top),
                                                     strict=True)}


def _relative(file: str | os.PathLike[str], top: Path) -> str:
    """``file`` relative to ``top``, which git gives with symbolic links resolved."""
    directory, name = os.path.split(os.path.abspath(file))
    return Path(os.path.relpath(os.path.join(os.path.realpath(directory), name), top)).as_posix()


def _blobs(ids: list[str], top: Path) -> list[bytes | None]:
    """Each blob's content (``None`` past the size limit: not read), through ``git cat-file``."""
    if not ids:
        return []
    limit = max_file_bytes()
    sizes = [int(line.split()[2]) for line in _run(["cat-file", "--batch-check"], top,
                                                   [i.encode() for i in ids]).splitlines()]
    small = [i for i, size in zip(ids, sizes, strict=True) if size <= limit]
    out = _run(["cat-file", "--batch"], top, [i.encode() for i in small])
    contents: dict[str, bytes] = {}
    at = 0
    for blob in small:  # each: "<id> blob <size>\n", the content, "\n"
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split()[2])
        contents[blob] = out[header_end + 1: header_end + 1 + size]
        at = header_end + 1 + size + 1
    return [contents.get(i) for i in ids]


def _run(args: list[str], cwd: Path, lines: list[bytes]) -> bytes:
    done = subprocess.run(["git", *args], cwd=cwd, input=b"".join(line + b"\n" for line in lines),
                          capture_output=True, check=False)
    if done.returncode != 0:
        message = (done.stderr.decode("utf-8", "replace").strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise SealfileError(f"git {args[0]} failed: {message}")
    return done.stdout

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
from sealfile.gitflow.gitcli import (
    LINK_SHOWN,
    STORED_TEXT,
    SUBMODULE_MODE,
    SYMLINK_MODE,
    git,
    git_env,
    refuse_unfetched,
    toplevel,
)
from sealfile.gitflow.path_lists import entries_of, git_for_paths
from sealfile.model.lazy_pattern import compiled_when_used

Staged = dict[str, "bytes | None"]
"""File (as given) -> its staged content, ``None`` if larger than the size limit."""

_BLOB_ID = 1
_STAGE = 2


def staged_versions(files: Sequence[str | os.PathLike[str]], cwd: str | os.PathLike[str] = ".") -> Staged:
    """The staged content of each of ``files`` whose index entry differs from its working copy; empty
    outside a git work tree. Unmerged files are left out: git commits none until they are added."""
    top, named = in_work_tree(files, cwd)
    if top is None:
        return {}
    blobs = {p: blob for p, blob in blob_ids(git(["ls-files", "-z", "--stage"], top), stage_field=True).items()
             if p in named}
    # hash-object reads one path a line: a name with a line break (no secrets file has one) is not compared.
    # It reads through a symbolic link; git stores the link's target, so a link is hashed as git would store it
    links = {p: os.fsencode(os.readlink(top / p)) for p in blobs if "\n" not in p and os.path.islink(top / p)}
    present = [p for p in blobs if "\n" not in p and p not in links and os.path.isfile(top / p)]
    worktree = _run(["hash-object", "--stdin-paths"], top, [os.fsencode(p) for p in present]).split()
    differing = [p for p, sha in zip(present, worktree, strict=True) if sha.decode() != blobs[p]]
    differing += [p for p, target in links.items() if _blob_id(target, top) != blobs[p]]
    differing += [p for p in blobs if "\n" not in p and p not in present and p not in links]
    if differing:  # 'git add -N' stages an empty placeholder that git commits as nothing: not a version
        placeholders = git_for_paths(["diff-files", "-z", "--name-only", "--diff-filter=A"], differing, top)
        differing = [p for p in differing if p not in set(placeholders.split("\0"))]
    return {named[p]: content for p, content in zip(differing, read_blobs([blobs[p] for p in differing], top),
                                                     strict=True)}


def links_as_files(files: Sequence[str | os.PathLike[str]], cwd: str | os.PathLike[str] = ".") -> dict[str, str]:
    """Each of ``files`` that git stores as a symbolic link but the work tree holds as a regular file
    (``core.symlinks=false``, git for Windows' default): file (as given) -> what that file holds, the
    name the link leads to. Readers there open that name's text, not the file it names."""
    top, named = in_work_tree(files, cwd)
    if top is None:
        return {}
    found = {}
    for entry in git(["ls-files", "-z", "--stage"], top).split("\0"):
        info, _, path = entry.partition("\t")
        if info.startswith(SYMLINK_MODE) and path in named and not os.path.islink(top / path) \
                and os.path.isfile(top / path):
            with open(top / path, "rb") as held:
                found[named[path]] = held.read(LINK_SHOWN).decode("utf-8", "replace")
    return found


def in_work_tree(files: Sequence[str | os.PathLike[str]],
                 cwd: str | os.PathLike[str]) -> tuple[Path | None, dict[str, str]]:
    """The work tree's top and each of ``files`` by its path there (-> as given); ``(None, {})`` without
    files or outside a work tree."""
    if not files:
        return None, {}
    try:
        top = toplevel(cwd)
    except SealfileError:
        return None, {}
    return top, {path_in_repo(f, top): os.fspath(f) for f in files}


def merged_by_git(files: Sequence[str | os.PathLike[str]], cwd: str | os.PathLike[str] = ".") -> list[str]:
    """Those of ``files`` whose content the merge in progress had to merge and did (not left in
    conflict): changed differently on two of the merged commits since their merge base (git ran a
    merge driver, or its own text merge, on them; whatever came out, one side's version included).
    Empty when no merge is in progress."""
    try:
        top = toplevel(cwd)
        heads = merged_heads(top)
        base = git(["merge-base", "--octopus", "HEAD", *heads], top, ok=(0, 1)).strip() if heads else ""
    except (SealfileError, OSError):
        return []
    named = {path_in_repo(f, top): os.fspath(f) for f in files}
    if base and named:
        staged = blob_ids(entries_of(["ls-files", "-z", "--stage"], list(named), top), stage_field=True)
        named = {p: f for p, f in named.items() if p in staged}
    if not base or not named:
        return []
    versions = [blob_ids(entries_of(["ls-tree", "-r", "-z", "--full-tree", commit], list(named), top))
                for commit in (base, "HEAD", *heads)]
    return [named[p] for p in named
            if len({v.get(p) for v in versions[1:]} - {versions[0].get(p)}) > 1]


def merged_heads(top: Path) -> list[str]:
    """The commits being merged into HEAD: ``MERGE_HEAD`` once git stopped (a conflict, ``--no-commit``,
    a hook that refused); while ``git merge`` runs the ``pre-merge-commit`` hook that file is not
    written yet, and git names each merged commit in a ``GITHEAD_<id>`` variable instead."""
    heads = Path(git(["rev-parse", "--path-format=absolute", "--git-path", "MERGE_HEAD"], top).strip())
    if heads.is_file():
        return heads.read_text(encoding="ascii").split()
    return [name[len(_GITHEAD):] for name in os.environ if name.startswith(_GITHEAD)
            and _OBJECT_ID().fullmatch(name[len(_GITHEAD):])]


_GITHEAD = "GITHEAD_"
_OBJECT_ID = compiled_when_used(r"[0-9a-f]{40}|[0-9a-f]{64}")


def blob_ids(listing: str, *, stage_field: bool = False) -> dict[str, str]:
    """Path -> blob id, from ``ls-files --stage`` (stage 0 entries only) or ``ls-tree`` output. A submodule
    (a gitlink: the id of a commit of another repository, no content here) is no blob and left out."""
    ids = {}
    for entry in listing.split("\0"):
        info, _, path = entry.partition("\t")
        fields = info.split()
        if fields and fields[0] == SUBMODULE_MODE:
            continue
        if stage_field and len(fields) == 3 and fields[_STAGE] == "0":
            ids[path] = fields[_BLOB_ID]
        elif not stage_field and len(fields) == 3:
            ids[path] = fields[2]
    return ids


def path_in_repo(file: str | os.PathLike[str], top: Path) -> str:
    """``file`` relative to ``top``, which git gives with symbolic links resolved."""
    directory, name = os.path.split(os.path.abspath(file))
    return Path(os.path.relpath(os.path.join(os.path.realpath(directory), name), top)).as_posix()


def read_blobs(ids: list[str], top: Path) -> list[bytes | None]:
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


def _blob_id(content: bytes, top: Path) -> str:
    """The id git gives a blob of ``content`` (in this repository's hash)."""
    done = subprocess.run(["git", "hash-object", "--stdin"], cwd=top, input=content, capture_output=True, check=False,
                          env=git_env())
    return done.stdout.decode("ascii", "replace").strip()


def _run(args: list[str], cwd: Path, lines: list[bytes]) -> bytes:
    done = subprocess.run(["git", *args], cwd=cwd, input=b"".join(line + b"\n" for line in lines),
                          capture_output=True, check=False, env=git_env())
    refuse_unfetched(done.stderr.decode("utf-8", "replace"), cwd)  # a partial clone that could not fetch one
    if done.returncode != 0:
        message = (done.stderr.decode("utf-8", "replace").strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise SealfileError(f"git {args[0]} failed: {message}")
    return done.stdout


def changed_since_commit(file: str | os.PathLike[str]) -> bool:
    """Whether ``file`` is in a git work tree, ``HEAD`` has it, and its working copy differs from that version;
    false when git cannot tell (no git, no work tree, no commit)."""
    try:
        top = toplevel(os.path.dirname(os.path.abspath(file)))
        name = path_in_repo(file, top)
        if name == ".." or name.startswith("../"):
            return False
        listed = git(["--literal-pathspecs", "ls-tree", "-z", "--name-only", "HEAD", "--", name], top)
        differs = ["--literal-pathspecs", "diff", "-z", "--name-only", *STORED_TEXT, "HEAD", "--", name]
        return bool(listed) and bool(git(differs, top))
    except (SealfileError, OSError):
        return False



def index_stages(listing: str) -> dict[str, dict[str, str]]:
    """``git ls-files -z --stage`` (or ``--resolve-undo``) output: by file, stage -> blob id."""
    found: dict[str, dict[str, str]] = {}
    for entry in listing.split("\0"):
        info, _, path = entry.partition("\t")
        fields = info.split()
        if len(fields) == 3:
            found.setdefault(path, {})[fields[2]] = fields[1]
    return found

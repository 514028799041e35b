"""The few ``git`` commands sealfile runs, through the real ``git`` CLI.

Errors become one :class:`~sealfile.errors.SealfileError` line quoting git's own message
(git's messages name revisions and paths, never file contents).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sealfile.errors import FormatError, HistoryUnreadable, SealfileError
from sealfile.files.io import max_file_bytes, read_text


def git(args: list[str], cwd: str | os.PathLike[str] | None = None, *, ok: tuple[int, ...] = (0,),
        env: dict[str, str] | None = None, stdin: str | None = None) -> str:
    """Git's output as it wrote it: a path is any bytes but NUL, so no line break is translated (a
    carriage return in a name would name another file) and bytes that are not UTF-8 come back as the
    ``surrogateescape`` text that names the same file to ``open`` and to git again. ``env``: variables
    set for this run on top of ours; ``stdin``: what git reads."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False,
                              input=None if stdin is None else stdin.encode("utf-8", "surrogateescape"),
                              env=git_env(env))
    except FileNotFoundError:
        raise SealfileError("git is not installed (no 'git' on PATH)") from None
    stderr = done.stderr.decode("utf-8", "replace")
    refuse_unfetched(stderr, cwd)  # whatever the status: 'git log -S' may skip what it could not fetch
    if done.returncode not in ok:
        message = (stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        command = next((arg for arg in args if not arg.startswith("-") and "=" not in arg), args[0])
        raise SealfileError(f"git {command} failed: {message}")
    return done.stdout.decode("utf-8", "surrogateescape")


def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every git sealfile runs. Replacement objects off: whoever can push can push a
    ``refs/replace/`` ref, which a mirror clone fetches, and git would then show that clone's review, check and
    diff another commit or file in place of the one every other clone merges."""
    return {**os.environ, "GIT_NO_REPLACE_OBJECTS": "1", **(extra or {})}


def refuse_unfetched(stderr: str, cwd: str | os.PathLike[str] | None) -> None:
    """Raise :class:`HistoryUnreadable` where git says it could not fetch a missing object from a partial clone's
    remote: a version read as absent would make every history check find nothing."""
    if "promisor remote" not in stderr:
        return
    where = os.fspath(cwd) if cwd is not None else "."
    raise HistoryUnreadable(f"{where}: the history could not be read: this partial clone (--filter) lacks older "
                            "versions and git could not fetch them from its remote; make the remote reachable and "
                            "run again, or run this in a full clone (git clone without --filter)")


STORED_TEXT = ["--no-textconv", "--no-ext-diff"]
"""For a ``git log -S`` over sealed files: search the text git stores, not what the diff driver shows (in a clone
set up with ``sealfile git install`` that is a redacted or decrypted view with no wrapped key and no ``mac`` line,
made by one sealfile process per version)."""


def toplevel(cwd: str | os.PathLike[str] | None = None) -> Path:
    return Path(git(["rev-parse", "--show-toplevel"], cwd).strip())


def revisions_root(cwd: str | os.PathLike[str] | None = None) -> tuple[Path, bool]:
    """Where commands that read only revisions run git, and whether it has a work tree: the top of the work
    tree, or the git directory of a bare repository (a server's hook, a CI mirror), which has every
    revision and no files."""
    try:
        return toplevel(cwd), True
    except SealfileError:
        if git(["rev-parse", "--is-bare-repository"], cwd).strip() != "true":
            raise
    return Path(git(["rev-parse", "--absolute-git-dir"], cwd).strip()), False


NOT_CHECKED_OUT = ("this work tree is not checked out yet (git has no index: git clone or git worktree add "
                   "--no-checkout, a bare repository's GIT_WORK_TREE), so no file is tracked and .gitattributes is "
                   "not here")
CHECK_OUT = "git checkout HEAD"


def never_checked_out(top: Path) -> bool:
    """Whether HEAD names a commit that git never checked out here: without an index ``ls-files`` names nothing, so
    a command judging the tracked files would pass having read none, and a ``.gitattributes`` written now would
    stop the checkout (git overwrites no untracked file)."""
    index = git(["rev-parse", "--path-format=absolute", "--git-path", "index"], top).strip("\n")
    if os.path.lexists(index):
        return False
    return bool(git(["rev-parse", "-q", "--verify", "HEAD^{commit}"], top, ok=(0, 1)).strip())


def is_shallow(cwd: str | os.PathLike[str]) -> bool:
    """Whether the history stops at a cut (``git clone --depth``, CI's ``fetch-depth``): searches of it
    see nothing older, and say nothing of it."""
    return git(["rev-parse", "--is-shallow-repository"], cwd).strip() == "true"


def fork_point(base: str, head: str, cwd: str | os.PathLike[str]) -> str:
    """Where ``head`` forked from ``base`` (their merge base), which a pull request's changes are counted
    from; ``base`` itself when it is an ancestor of ``head`` (a rebased branch, the merge commit CI
    checks out) or the two share no history. In a shallow clone whose cut hides the merge base, a
    :class:`SealfileError`: counted from ``base``, a branch behind it would read as undoing base's changes."""
    found = git(["merge-base", base, head], cwd, ok=(0, 1)).strip()
    tip = git(["rev-parse", "--verify", f"{base}^{{commit}}"], cwd).strip()
    if not found and is_shallow(cwd) and not _parent_past_cut(tip, head, cwd):
        raise SealfileError(f"no merge base of {base} and {head} in this shallow clone (its history is cut): "
                            f"{head}'s own changes cannot be told from {base}'s that it lacks; fetch the history "
                            "first: git fetch --unshallow (actions/checkout: fetch-depth: 0)")
    return base if not found or found == tip else found


def _parent_past_cut(tip: str, head: str, cwd: str | os.PathLike[str]) -> bool:
    """Whether ``tip`` is a parent, past the cut, of a commit of ``head``'s shallow history: a commit, or the merge
    CI checks out, made on the base's tip (each commit still names its parents; the cut only hides them). Every
    commit at the cut is read, in one ``git cat-file``: a history fetched since a date is cut at each branch."""
    shallow = set(Path(git(["rev-parse", "--path-format=absolute", "--git-path", "shallow"], cwd).strip())
                  .read_text(encoding="ascii").split())
    cut = [commit for commit in git(["rev-list", head], cwd).split() if commit in shallow]
    return any(f"\nparent {tip}\n" in f"\n{header}\n" for header in _commit_headers(cut, cwd))


def _commit_headers(commits: list[str], cwd: str | os.PathLike[str]) -> list[str]:
    """The header (up to the message) of each of ``commits``, read in one ``git cat-file --batch``."""
    done = subprocess.run(["git", "cat-file", "--batch"], cwd=cwd, capture_output=True, check=False, env=git_env(),
                          input="".join(f"{commit}\n" for commit in commits).encode("ascii"))
    if done.returncode != 0:
        raise SealfileError(f"git cat-file failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    headers, at = [], 0
    for _ in commits:  # each: "<id> commit <size>\n", the object, "\n"; sizes count bytes
        line_end = done.stdout.index(b"\n", at)
        said = done.stdout[at:line_end].split()
        if len(said) < 3:  # "<id> missing": no parent named
            at = line_end + 1
            continue
        size = int(said[2])
        body = done.stdout[line_end + 1:line_end + 1 + size]
        headers.append(body.split(b"\n\n", 1)[0].decode("utf-8", "replace"))
        at = line_end + 1 + size + 1
    return headers


def show(rev: str, path: str, cwd: str | os.PathLike[str]) -> str | None:
    """The file at ``rev`` (toplevel-relative ``path``), or ``None`` if it does not exist there.

    Read with the same size limit as any file (a commit can hold a blob of any size). ``git
    cat-file blob``, not ``git show``: ``show`` takes an argument holding ``[``, ``*`` or ``?`` for
    a pathspec when no such file exists at ``rev``, and prints nothing with success, so a file
    named ``prod[eu].enc.yaml`` added by a change would read as an empty old version."""
    limit = max_file_bytes()
    with subprocess.Popen(["git", "cat-file", "blob", f"{rev}:{path}"], cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=git_env()) as done:
        assert done.stdout is not None and done.stderr is not None
        data = done.stdout.read(limit + 1)
        if len(data) > limit:
            done.kill()
            raise too_large(rev, path, limit)
        said = done.stderr.read().decode("utf-8", "replace")  # a few lines at most: read once stdout is closed
    if done.returncode != 0:
        refuse_unfetched(said, cwd)  # a version git could not fetch is not a file that does not exist
        return None
    return data.decode("utf-8", "replace")


def version_in_worktree(path: Path) -> str | None:
    """The working copy of a file (``None`` if there is none), read as any file is."""
    return read_text(path) if path.exists() else None


def link_target(rev: str | None, root: Path, path: str) -> str | None:
    """What the symbolic link at ``path`` names, at ``rev`` (``None``: in the working tree)."""
    try:
        return show(rev, path, root) if rev else os.readlink(root / path)
    except OSError:
        return None


def too_large(rev: str, path: str, limit: int) -> FormatError:
    return FormatError(f"larger than {limit / (1024 * 1024):g} MiB at {rev}; not a secrets file?", file=path)


SYMLINK_MODE = "120000"
SUBMODULE_MODE = "160000"
SUBMODULE_NOT_SEALED = ("a submodule (another repository's commit), not a sealed file: nothing in it is reviewed or "
                        "checked here")
SUBMODULE_UNCHECKED = ("a submodule: its files are in another repository, and were not checked for decrypted copies "
                       "or secrets")


LINK_SHOWN = 200
"""Characters of a symbolic link's target shown (git stores any blob as one)."""


@dataclass(frozen=True)
class Change:
    status: str
    """``A`` added, ``D`` deleted, ``M`` modified, ``R`` renamed (from ``old_path``), ``T`` type changed."""
    path: str
    old_path: str | None = None
    mode: str = ""
    """The new version's git mode: a symbolic link (git stores its target's name, not a file) and a
    submodule (the id of another repository's commit) are no files to review."""

    @property
    def link(self) -> bool:
        return self.mode == SYMLINK_MODE

    def split(self) -> list[Change]:
        """A rename as what it also is: a delete of the old path and an add of the new one."""
        if self.old_path is None:
            return [self]
        return [Change("D", self.old_path), Change("A", self.path, mode=self.mode)]

    @property
    def shown_status(self) -> str:
        return "added" if self.status == "A" else "deleted" if self.status == "D" else "modified"

    def not_a_file(self, link_target: str | None) -> str | None:
        """Why the new version is no sealed file though it is at a sealed file's path (``link_target``: what
        a link names); ``None`` for a file. ``review`` fails such a change and ``diff`` shows it so."""
        if self.status == "D":
            return None
        if self.mode == SUBMODULE_MODE:
            return SUBMODULE_NOT_SEALED
        if self.link:
            return (f"a symbolic link (to {(link_target or '')[:LINK_SHOWN]}), not a sealed file: git stores the "
                    "link; nothing sealed is reviewed")
        return None


def changed_files(base: str, head: str | None, paths: list[str], cwd: str | os.PathLike[str]) -> list[Change]:
    """Files that differ between ``base`` and ``head`` (or the working tree when ``head`` is None); a file
    moved (git's rename detection: mostly the same content at another path) is one ``R`` change."""
    revs = [base] if head is None else [base, head]
    out = git(["diff", "--raw", "--find-renames", "-z", *revs, "--", *paths], cwd)
    fields = out.split("\0")
    changes: list[Change] = []
    i = 0
    while i + 1 < len(fields) and fields[i]:
        # ":OLD_MODE NEW_MODE OLD_SHA NEW_SHA STATUS[SCORE]", then the path(s)
        meta = fields[i].split()
        status, mode = meta[-1][0], meta[1]
        if status in "RC":  # a score, then two paths: from, to
            if status == "R":
                changes.append(Change("R", fields[i + 2], fields[i + 1], mode))
            else:
                changes.append(Change("A", fields[i + 2], mode=mode))
            i += 3
        else:
            changes.append(Change(status, fields[i + 1], mode=mode))
            i += 2
    return changes


def split_range(spec: str) -> tuple[str, str | None]:
    """``A..B`` -> (A, B); ``A`` -> (A, None) meaning A against the working tree."""
    if "..." in spec:
        raise SealfileError("use REV or REV..REV (three-dot ranges are not supported)")
    if ".." in spec:
        base, head = spec.split("..", 1)
        return base or "HEAD", head or "HEAD"
    return spec, None

"""The hooks that refuse a replayed commit of a conflict the merge driver left (written by ``sealfile git install``).

git commits a pick resolved by hand (``git rebase --continue``, ``git cherry-pick --continue``, ``git revert
--continue``) through the sequencer, which runs no ``pre-commit`` hook in a rebase, but runs ``prepare-commit-msg``
in each of them and stops the commit when it fails; ``git am --continue`` runs ``pre-applypatch`` instead. A blind
``git add FILE && git rebase --continue`` would otherwise commit the value the merge kept at each conflicting key
path. They refuse while git replays commits, and where no merge is in progress at all: there a conflict still open
was left by a replay git finished without committing it (``rebase --continue`` drops a pick that the blind ``git add``
left empty, and runs no hook that could stop it), by ``stash pop`` or ``merge --squash``. A plain ``git commit
--no-verify`` of a merge stays git's way past the hooks. ``post-rewrite``, which ``git rebase`` runs as it ends, says
when the rebase ended with a conflict open: the dropped pick's value is in no commit. The hooks run sealfile only
while a conflict record exists (:mod:`.conflicts`), so an ordinary commit or pick costs a shell and one
``git rev-parse``.

A hook file that is not ours is left as it is (a tool's), and so is a ``core.hooksPath`` directory (another tool's
hooks): install names them and the command to add. ``pre-commit install`` moves ours aside as ``HOOK.legacy`` and
still runs it; where its hook came first, install writes ours there, so the order of the two makes no difference.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from sealfile.errors import SealfileError
from sealfile.files.atomic import atomic_write, refuse_link
from sealfile.gitflow.gitcli import git

HOOKS = ("prepare-commit-msg", "pre-applypatch", "post-rewrite")
WARNS = ("post-rewrite",)
"""Hooks run after git acted, which cannot refuse: they tell."""
PORTABLE = "sealfile"
"""The command a committed hook runs: the installed entry point, found on each clone's PATH (a script that puts no
work-tree directory on ``sys.path``), never one machine's virtualenv."""
MARK = "# sealfile: managed by 'sealfile git install' ('sealfile git uninstall' removes it)"


def hook_text(command: str, hook: str = HOOKS[0]) -> str:
    """The hook: :func:`hook_command` while any conflict record exists, nothing otherwise."""
    why = ("say so when git ended a rebase with a sealed file still holding a conflict" if hook in WARNS
           else "git replays commits without the pre-commit hook: refuse a sealed file still holding a conflict")
    return (f"#!/bin/sh\n{MARK}\n# {why}\n" + ('[ "$1" = rebase ] || exit 0\n' if hook in WARNS else "") +
            "records=$(git rev-parse --git-path sealfile/conflicts 2>/dev/null) || exit 0\n"
            'for record in "$records"/*.json; do\n'
            f'  [ -e "$record" ] && exec {hook_command(command, hook)}\n'
            "done\nexit 0\n")


def hook_command(command: str, hook: str) -> str:
    """What the hook ``hook`` runs (and what another tool's hook there should run)."""
    return f"{command} git unresolved" + (" --warn" if hook in WARNS else "")


def refusing(cwd: str | os.PathLike[str] = ".") -> bool:
    """Whether the hook refuses a commit of an open conflict: while git replays commits (a rebase, a cherry-pick or
    revert, ``git am``), and where no merge is in progress (a replay git ended with the conflict open, a ``stash
    pop``). ``prepare-commit-msg`` runs for every commit, and a plain ``git commit --no-verify`` of a merge stays
    git's way past the hooks."""
    there = in_progress(cwd)
    return any(there[:-1]) or not there[-1]


def merge_in_progress(cwd: str | os.PathLike[str] = ".") -> bool:
    """Whether git is merging or replaying commits: where a conflict is open, the index holds both sides, or git's
    record of them (``git checkout -m`` takes them back), so ``git checkout --ours/--theirs`` can take one."""
    return any(in_progress(cwd))


def in_progress(cwd: str | os.PathLike[str]) -> list[bool]:
    """Whether a rebase, a ``git am``, a cherry-pick, a revert, a merge (in this order) is in progress."""
    names = ("rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD", "REVERT_HEAD", "MERGE_HEAD")
    found = git(["rev-parse", "--path-format=absolute", *(arg for name in names for arg in ("--git-path", name))], cwd)
    return [os.path.exists(path) for path in found.splitlines()]


def install_hooks(where: Path, command: str) -> list[str]:
    """Write our hooks into the repository's hooks directory; returns one note per hook not written (why, and
    what to add), empty when all are in place."""
    hooks_path = _hooks_path(where)
    if hooks_path and not _runs_own_hooks(where):  # git runs none of .git/hooks: ours there would only look installed
        shown = hooks_path.rstrip("/")
        if scripts_directory(_hooks_run_from(where)) is not None:  # husky's generated stubs: its scripts are above
            shown = os.path.dirname(shown) or "."
        committed = _in_work_tree(where, shown)
        how, where_set = (PORTABLE, f" to {hooks_path.rstrip('/')}, in the work tree (committed: so no path of this "
                          "machine)") if committed else (command, "")
        unfound = "" if not committed or shutil.which(PORTABLE) else f", with {PORTABLE} on the PATH (not on this one)"
        return [f"core.hooksPath is set{where_set}: have {shown}/{hook} run '{hook_command(how, hook)}'{unfound}"
                for hook in HOOKS]
    directory = _hooks_directory(where)
    notes = []
    directory.mkdir(parents=True, exist_ok=True)
    for hook in HOOKS:
        path, legacy = directory / hook, directory / f"{hook}.legacy"
        if path.exists() and not _ours(path) and (_ours(legacy) or (_pre_commits(path) and not legacy.exists())):
            path = legacy  # pre-commit's hook runs it: where 'pre-commit install' moves ours, had it come second
        refuse_link(path)
        if path.exists() and not _ours(path):
            notes.append(f"{path} exists and is not sealfile's: have it run '{hook_command(command, hook)}'")
            continue
        atomic_write(path, hook_text(command, hook).encode(), mode=0o755)
        _make_executable(path)  # a hook there already keeps its mode, and git (pre-commit: a legacy one) skips it
    return notes


def _make_executable(path: Path) -> None:
    """Let whoever may read ``path`` run it, as ``chmod +x`` does."""
    mode = path.stat().st_mode & 0o7777
    if mode & 0o111 != (mode & 0o444) >> 2:
        path.chmod(mode | (mode & 0o444) >> 2)


def uninstall_hooks(where: Path) -> None:
    """Remove our hooks (only ours) from the repository's hooks directory, and where ``pre-commit install`` moved them
    (``HOOK.legacy``, which its hook runs)."""
    directory = _hooks_directory(where)
    for path in [directory / name for hook in HOOKS for name in (hook, f"{hook}.legacy")]:
        if path.is_file() and not path.is_symlink() and _ours(path):
            path.unlink()


def _in_work_tree(where: Path, hooks_path: str) -> bool:
    """Whether ``core.hooksPath`` (relative: to the top of the work tree, as git reads it) lies in the work tree."""
    top = git(["rev-parse", "--show-toplevel"], where, ok=(0, 128)).strip()
    if not top:  # a bare repository: no work tree to commit it from
        return False
    directory = os.path.realpath(os.path.join(top, os.path.expanduser(hooks_path)))
    git_dir = os.path.realpath(_hooks_directory(where).parent)  # inside the work tree, and never committed
    return (os.path.commonpath([directory, os.path.realpath(top)]) == os.path.realpath(top)
            and os.path.commonpath([directory, git_dir]) != git_dir)


def _runs_own_hooks(where: Path) -> bool:
    """Whether the hooks git runs are the repository's own directory (``core.hooksPath`` set to ``.git/hooks``, as
    some hook managers leave it), where install writes its hooks as if it were not set."""
    return os.path.realpath(_hooks_run_from(where)) == os.path.realpath(_hooks_directory(where))


def _hooks_run_from(where: Path) -> Path:
    """The directory git runs hooks from (``core.hooksPath`` resolved as git resolves it)."""
    return Path(git(["rev-parse", "--path-format=absolute", "--git-path", "hooks"], where).strip("\n"))


HUSKY_RUNNER = 's=$(dirname "$(dirname "$0")")/$n'
"""A line of husky 9's ``.husky/_/h``, which every hook of its ``core.hooksPath=.husky/_`` sources: it runs the
committed script ``.husky/HOOK`` with ``sh -e`` (no executable bit needed); ``.husky/_`` is generated and ignored."""


def scripts_directory(directory: str | os.PathLike[str]) -> Path | None:
    """Where the hooks git runs from ``directory`` take their scripts, when not from themselves: husky 9's."""
    return Path(directory).parent if HUSKY_RUNNER in _read(Path(directory, "h")) else None


def _hooks_path(where: Path) -> str:
    """``core.hooksPath`` as configured (another tool's hooks, which git runs instead), or empty."""
    return git(["config", "--get", "core.hooksPath"], where, ok=(0, 1)).strip()


def _hooks_directory(where: Path) -> Path:
    """The repository's own hooks directory (shared by linked worktrees)."""
    common = git(["rev-parse", "--path-format=absolute", "--git-common-dir"], where).strip()
    return Path(common) / "hooks"


def hooks_problem(root: str, hooks_path: str, runs: Callable[[str], bool]) -> str | None:
    """What is wrong with the hooks install writes, in a clone at ``root`` whose drivers are set up: a hook
    missing where git runs hooks (``core.hooksPath``, else the repository's), or one whose command ``runs`` says is
    gone (a deleted virtualenv: the hook would fail every replayed commit while a conflict is recorded). None when
    each is there and runs; ours, one that ``pre-commit install`` moved aside (``HOOK.legacy``), or another's that
    runs ``sealfile git unresolved`` (a husky hook) counts."""
    try:
        hooks_path = "" if hooks_path and _runs_own_hooks(Path(root)) else hooks_path  # as if not set
        directory = (Path(root, os.path.expanduser(hooks_path)) if hooks_path
                     else Path(root, ".git", "hooks") if os.path.isdir(os.path.join(root, ".git"))
                     else _hooks_directory(Path(root)))  # a worktree, a submodule: git knows where
    except SealfileError:
        return None
    missing = []
    scripts = scripts_directory(directory) if hooks_path else None
    for hook in HOOKS:
        found = [(p, _read(p)) for p in (directory / hook, directory / f"{hook}.legacy")]
        found += [(scripts / hook, _read(scripts / hook))] if scripts is not None else []
        held = next(((p, t) for p, t in found if "git unresolved" in t), None)
        path, text = held or (directory / hook, "")
        # git runs the hook only if executable, and pre-commit's hook a legacy one only if that is too
        if held is None or not all(os.access(p, os.X_OK) for p in {directory / hook, path} if p.parent == directory):
            missing.append(hook)
            continue
        # ours execs it; a committed hook (husky's) runs it as its own line, ``sealfile`` from the PATH
        command = re.search(r"exec (.+?) git unresolved", text) or re.search(r"^\s*([/\w][^#\n]*?) git unresolved",
                                                                                text, re.M)
        if command and not runs(command.group(1)):
            # install rewrites only its own hooks, and none under core.hooksPath: another tool's is edited by hand
            absolute = os.path.isabs(command.group(1))  # else from the PATH, as a committed hook names it
            fix = ("run 'sealfile git install' again" if MARK in text.splitlines()[:3] and not hooks_path else
                   f"edit {path} to run 'sealfile git unresolved' with a command that runs here"
                   if absolute else "put it on the PATH git runs hooks with")
            why = "a moved or deleted virtualenv?" if absolute else "not on the PATH here"
            return (f"{root}: the sealfile {hook} hook of this clone runs {command.group(1)}, which cannot run here "
                    f"({why}): {fix} (until then every commit git replays fails while a merge conflict is recorded)")
    if not missing:
        return None
    there = "there" if scripts is None else f"in {os.path.dirname(hooks_path.rstrip('/')) or '.'}"  # husky's scripts
    fix = (f"core.hooksPath is set ({hooks_path}), where git runs hooks instead: have {' and '.join(missing)} {there} "
           "run 'sealfile git unresolved' as 'sealfile git install' names" if hooks_path
           else "run 'sealfile git install' again")
    return (f"{root}: this clone has the sealfile drivers but not the {' and '.join(missing)} hook 'sealfile git "
            f"install' writes: {fix} (until then git rebase --continue commits, or drops, a conflict the merge "
            "driver left, unrefused)")


def _read(path: Path) -> str:
    from sealfile.files.io import read_quietly  # a hooks directory may be committed (husky): whoever pushes names it

    return read_quietly(path) or ""


def _pre_commits(path: Path) -> bool:
    """Whether ``path`` is the hook ``pre-commit install`` writes, which runs ``HOOK.legacy`` first when executable."""
    return "# File generated by pre-commit" in _read(path) and not path.is_symlink()


def _ours(path: Path) -> bool:
    return MARK in _read(path).splitlines()[:3]

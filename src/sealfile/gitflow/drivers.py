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
from sealfile.gitflow.attributes_files import (
    DRIVER_NAME,
    USES_DRIVER,
    attributes_using_drivers,
    user_attributes,
    uses_drivers,
)


def _repository_root(start: str) -> str | None:
    """The work tree holding ``start`` (absolute): where git is told it (``GIT_WORK_TREE``, or the current
    directory when ``GIT_DIR`` alone is set: a "bare repository + work tree" set-up, no ``.git`` in it),
    else the nearest directory holding ``.git``, from ``start`` up."""
    directory = start if is_dir(start) else os.path.dirname(start)
    if "GIT_DIR" in os.environ or "GIT_WORK_TREE" in os.environ:
        told = os.path.abspath(os.environ.get("GIT_WORK_TREE") or os.getcwd())
        return told if told in parents(directory) else None
    return next((d for d in parents(directory) if exists(os.path.join(d, ".git"))), None)


def missing_driver(path: str | os.PathLike[str]) -> str | None:
    """A one-line warning if ``path`` is in a clone not set up as its committed files say: attributes that
    use drivers it has not configured, or a pre-commit configuration running ``sealfile check`` whose
    hooks it has not installed."""
    root = _repository_root(os.path.abspath(path))
    return None if root is None else _missing_in(root)


_SET_UP = (r"^(merge\.sealfile\.(driver|recursive)|diff\.(sealfile\.(textconv|cachetextconv)|external)"
           r"|core\.(hookspath|attributesfile))$")
"""The settings a clone's set-up is read from, in one ``git config`` call."""


@lru_cache(maxsize=8)
def _missing_in(root: str) -> str | None:
    drivers, hooks = attributes_using_drivers(root), _hook_types(root)
    if not drivers and not hooks:
        return None
    from sealfile.gitflow.gitcli import git  # only here: every command checks, few clones use drivers or hooks

    try:  # one git process for both: every command that reads a sealed file pays for it
        listed = git(["config", "-z", "--get-regexp", _SET_UP], root, ok=(0, 1))
    except SealfileError:
        return None  # no git here: nothing it could merge or commit either
    config = dict(entry.partition("\n")[::2] for entry in listed.split("\0") if entry)
    if drivers == user_attributes() and config.get("core.attributesfile", "").strip():
        drivers = None  # git reads the file core.attributesFile names instead, which uses no driver here
    problem = _driver_problem(root, config, drivers) if drivers else None
    return problem or (_missing_hooks(root, hooks, config.get("core.hookspath", "").strip()) if hooks else None)


def _driver_problem(root: str, config: dict[str, str], attributes: str) -> str | None:
    configured = config.get("merge.sealfile.driver", "").strip()
    if not configured:
        shown, fix = ((attributes, "sealfile git install --global") if attributes == user_attributes()
                      else (os.path.relpath(attributes, root), "sealfile git install"))
        has = "only the diff driver" if config.get("diff.sealfile.textconv", "").strip() else "none"
        return (f"{root}: {shown} uses the sealfile merge and diff drivers, but this clone has {has} configured: "
                f"run '{fix}' (until then git merges sealed files as text)")
    from sealfile.gitflow.driver_commands import config_problem  # only here: clones with drivers

    problem = config_problem(root, config, _gone)
    if problem is not None:
        return problem
    from sealfile.gitflow.guard_hooks import hooks_problem

    hooks = hooks_problem(root, config.get("core.hookspath", "").strip(), _command_runs)
    # only for drivers of this clone's own config: 'install --global' writes no repository's hooks
    if hooks and _configured_here(root):
        return hooks
    from sealfile.gitflow.driver_config import external_diff

    external = external_diff(config.get("diff.external"), root)
    return None if external is None else f"{root}: {external}"


def _command_runs(command: str) -> bool:
    return _gone(command) is None


def _gone(command: str) -> str | None:
    """Why the program ``command`` runs cannot run here (``PROGRAM, which is not there...``), or ``None``."""
    program = _program(command)
    if program is None or _runs(program):
        return None
    return program + (", which is not there (a moved or deleted virtualenv?)" if os.path.isabs(program)
                      else ", which is not on the PATH here (a virtualenv not activated?)")


def _configured_here(root: str) -> bool:
    from sealfile.gitflow.gitcli import git

    try:
        # with the files it includes: a team's shared config each clone includes is this clone's own set-up
        return bool(git(["config", "--local", "--includes", "--get", "merge.sealfile.driver"], root,
                        ok=(0, 1)).strip())
    except SealfileError:
        return False


PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"


def _hook_types(root: str) -> list[str]:
    """The hooks ``pre-commit install`` sets up (``default_install_hook_types``, else ``pre-commit``) if the
    committed pre-commit configuration runs ``sealfile check``; none otherwise."""
    from sealfile.files.io import read_quietly

    text = read_quietly(os.path.join(root, PRE_COMMIT_CONFIG)) or ""
    if "sealfile-check" not in text and "sealfile check" not in text:
        return []
    from sealfile.stores.yaml.reader import load_fast  # only here: repositories whose pre-commit runs sealfile

    try:
        raw = load_fast(text)
    except SealfileError:
        return []  # pre-commit refuses it too, and says so
    types = raw.get("default_install_hook_types") if isinstance(raw, dict) else None
    return [t for t in types if isinstance(t, str)] if isinstance(types, list) else ["pre-commit"]


def _missing_hooks(root: str, types: list[str], hooks_path: str) -> str | None:
    """Which of the hooks ``types`` is not where git looks for it (``core.hooksPath``, else the hooks of the
    repository's git directory), and what to do."""
    hooks = (os.path.join(root, os.path.expanduser(hooks_path)) if hooks_path
             else os.path.join(root, ".git", "hooks") if is_dir(os.path.join(root, ".git")) else None)
    if hooks is not None:
        where = [os.path.join(hooks, t) for t in types]
    else:  # a worktree, a submodule, GIT_DIR: git knows where their hooks are
        from sealfile.gitflow.gitcli import git

        try:
            asked = [word for t in types for word in ("--git-path", f"hooks/{t}")]
            where = git(["rev-parse", "--path-format=absolute", *asked], root).splitlines()
        except SealfileError:
            return None
    missing = [t for t, hook in zip(types, where, strict=False) if not os.access(hook, os.X_OK)]
    scripts = _husky_scripts(hooks) if hooks_path and hooks is not None else None
    if scripts is not None:  # each hook there runs the script of its name in ``scripts``, if there is one
        where = [os.path.join(scripts, t) if os.path.isfile(os.path.join(scripts, t)) else "" for t in types]
    # a hook being there is not the check being run: another tool's (husky, one written by hand) runs its own
    foreign = [t for t, hook in zip(types, where, strict=False)
               if t not in missing and not (hook and _runs_check(hook))]
    if not missing and not foreign:
        return None
    there = "there" if scripts is None else f"in {os.path.dirname(hooks_path.rstrip('/')) or '.'}"
    fix = (f"core.hooksPath is set ({hooks_path}), where 'pre-commit install' installs nothing: make each of these "
           f"hooks {there} run 'pre-commit run --hook-stage HOOK'" if hooks_path else "run 'pre-commit install'")
    lacks = (f"this clone has no {' or '.join(missing)} hook" if missing
             else f"the {' and '.join(foreign)} hook of this clone runs neither pre-commit nor sealfile")
    return (f"{root}: {PRE_COMMIT_CONFIG} runs sealfile check, but {lacks}: "
            f"{fix} (until then nothing checks sealed files when git commits)")


def _husky_scripts(hooks: str) -> str | None:
    from sealfile.gitflow.guard_hooks import scripts_directory  # only here: a clone with core.hooksPath

    return None if (found := scripts_directory(hooks)) is None else str(found)


def _runs_check(hook: str) -> bool:
    """Whether the hook at ``hook`` runs pre-commit (the hook ``pre-commit install`` writes runs ``-mpre_commit``)
    or sealfile itself; an unreadable one counts (its text cannot tell)."""
    from sealfile.files.io import read_quietly

    text = read_quietly(hook)
    return text is None or any(word in text for word in ("pre_commit", "pre-commit run", "sealfile"))


def _program(command: str) -> str | None:
    """The program ``command`` (a shell command line) runs: an absolute path, or a name the shell looks up
    in PATH; ``None`` for anything else (a path relative to where git runs, a line the shell would not split)."""
    import re
    import shlex  # only here: clones that use the drivers

    try:
        words = shlex.split(command)
    except ValueError:
        return None
    while words and re.match(r"[A-Za-z_][A-Za-z0-9_]*=", words[0]):  # VAR=value before the program
        words.pop(0)
    if not words or words[0] in _SHELL_BUILTINS:
        return None
    return words[0] if os.path.isabs(words[0]) or "/" not in words[0] else None


_SHELL_BUILTINS = ("exec", "command", "builtin", "eval", ".", "source")
"""Words a driver command may start with that run no program of that name."""


def _runs(program: str) -> bool:
    import shutil  # only here: clones that use the drivers

    return os.access(program, os.X_OK) if os.path.isabs(program) else shutil.which(program) is not None


def not_sent_to_drivers(files: list[str], cwd: str | os.PathLike[str] = ".", *,
                        where_used: bool = True, staged: bool = False) -> dict[str, str]:
    """Those of ``files`` (sealed files, relative to ``cwd``) that git would not give to both sealfile drivers,
    each with what git gives it instead (``merge: text``): a ``sealed_files`` pattern newer than the last
    ``sealfile git install``, or another attributes line overriding the sealfile block. ``where_used``: only in
    a repository whose ``.gitattributes`` uses the drivers (empty elsewhere). Empty if git cannot answer. ``staged``:
    as the staged ``.gitattributes`` says (what a commit, and every clone of it, gets), not the work tree's."""
    root = _repository_root(os.path.abspath(cwd))
    if not files or root is None or (where_used and not uses_drivers(root)):
        return {}
    from sealfile.gitflow.gitcli import git  # only here: few clones use drivers

    try:
        # on git's input: every tracked sealed file of a large repository exceeds the OS bound on a command line
        out = git(["check-attr", *(["--cached"] if staged else []), "-z", "--stdin", "diff", "merge"], cwd,
                  stdin="".join(f"{name}\0" for name in files))
    except SealfileError:
        return {}
    fields = out.split("\0")
    wrong: dict[str, list[str]] = {}
    # -z: path, attribute, value for each file and attribute, in the order given
    for path, attribute, value in zip(fields[0::3], fields[1::3], fields[2::3], strict=False):
        if value != DRIVER_NAME:
            wrong.setdefault(path, []).append(f"{attribute}: {value}")
    return {path: ", ".join(got) for path, got in wrong.items()}


def merged_without_driver(files: list[str], cwd: str | os.PathLike[str] = ".") -> dict[str, str]:
    """Those of ``files`` (sealed files) that git merged itself, as text, in the merge in progress, each with
    the fix: the repository's ``.gitattributes`` uses the drivers, but this clone has no merge driver
    configured, or the branch merged into (whose checkout git took the attributes from) had no
    ``.gitattributes`` naming them yet. ``-X theirs`` or ``-X ours`` then resolves the conflicting hunks
    line by line (the ``mac`` line of one side over the values of both: a file nobody can open) and
    adjacent values go with them (a change lost, silently); git calls the merge clean either way."""
    root = _repository_root(os.path.abspath(cwd))
    if not files or root is None or not uses_drivers(root):
        return {}
    from sealfile.gitflow.gitcli import git, show  # only here: few clones use drivers
    from sealfile.gitflow.staged import merged_by_git

    try:
        configured = git(["config", "--get", "merge.sealfile.driver"], cwd, ok=(0, 1)).strip()
        attributes = show("HEAD", ".gitattributes", root) or ""
    except SealfileError:
        return {}
    if not configured:
        fix = "this clone has no sealfile merge driver; run 'sealfile git install', then redo the merge"
    elif not any(name in attributes for name in USES_DRIVER):
        fix = ("the branch merged into has no .gitattributes naming the sealfile driver yet; commit the one the "
               "merge brings on that branch first, then redo the merge")
    else:
        return {}
    return {path: fix for path in merged_by_git(files, cwd)}


def governing_configs_missing(path: str, top: str | os.PathLike[str] = ".", *, then: str = "") -> str | None:
    """Why whose seals to trust for ``path`` (relative to the work tree's top ``top``, as git names it)
    cannot be told, or ``None``: a tracked ``.sealfile.yaml`` of one of its directories is not in the
    work tree (outside a sparse checkout, or deleted by hand), so its ``signers:`` would go unread and
    a version they do not trust would be taken (by the merge driver, which signs its result) or shown.
    ``then``: the command to run once the config is back."""
    from pathlib import PurePosixPath

    from sealfile.gitflow.path_lists import git_for_paths  # only here: the merge driver
    from sealfile.ops.config_files import CONFIG_NAME, config_paths_above

    configs = config_paths_above(path)[::-1]
    absent = [c for c in configs if not os.path.lexists(os.path.join(top, c))]
    if not absent:
        return None
    listed = git_for_paths(["ls-files", "-t", "-z"], absent, top)
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

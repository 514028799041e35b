"""``sealfile git install`` then ``uninstall`` leaves the user's git config and hooks byte for byte as they were, in
each set-up a clone meets: no hooks, the pre-commit framework's, another tool's ``core.hooksPath`` (husky's
``.husky``, or one set globally), a linked worktree, a submodule (real git). Where ``core.hooksPath`` is set, git
runs no hook of ``.git/hooks``: install writes none there, and names the directory and what each hook should run."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sealfile.gitflow.guard_hooks import HOOKS, MARK
from tests.gitflow.test_pre_commit import LOCAL
from tests.support.git import SEALFILE, Sandbox


def _files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _state(box: Sandbox, git_dirs: list[Path], extra: list[Path]) -> dict[str, object]:
    """Every config and hook file of ``git_dirs``, the global config, and the files under ``extra``."""
    found: dict[str, object] = {"global": Path(box.env["GIT_CONFIG_GLOBAL"]).read_bytes()}
    for directory in git_dirs:
        found[f"{directory}/config"] = (directory / "config").read_bytes()
        found[f"{directory}/hooks"] = _files(directory / "hooks")
    for directory in extra:
        found[str(directory)] = _files(directory) if directory.exists() else None
    return found


def _no_hooks(box: Sandbox) -> tuple[Path, list[Path], list[Path]]:
    return box.repo, [box.repo / ".git"], []


def _pre_commit(box: Sandbox) -> tuple[Path, list[Path], list[Path]]:
    (box.repo / ".pre-commit-config.yaml").write_text(LOCAL)
    box.commit("pre-commit")
    env = {**box.env, "PRE_COMMIT_HOME": str(box.root / "pre-commit")}
    subprocess.run([sys.executable, "-m", "pre_commit", "install", "-t", "pre-commit", "-t", "pre-merge-commit"],
                   cwd=box.repo, env=env, check=True, capture_output=True)
    return box.repo, [box.repo / ".git"], []


def _husky(box: Sandbox) -> tuple[Path, list[Path], list[Path]]:
    husky = box.repo / ".husky"
    husky.mkdir()
    (husky / "pre-commit").write_text("#!/bin/sh\nnpx lint-staged\n")
    box.git("config", "core.hooksPath", ".husky")
    return box.repo, [box.repo / ".git"], [husky]


def _global_hooks_path(box: Sandbox) -> tuple[Path, list[Path], list[Path]]:
    hooks = box.root / "home" / "git-hooks"
    hooks.mkdir()
    (hooks / "commit-msg").write_text("#!/bin/sh\nexit 0\n")
    box.git("config", "--global", "core.hooksPath", str(hooks))
    return box.repo, [box.repo / ".git"], [hooks]


def _worktree(box: Sandbox) -> tuple[Path, list[Path], list[Path]]:
    box.git("worktree", "add", "-q", str(box.root / "linked"), "-b", "linked")
    return box.root / "linked", [box.repo / ".git"], [box.root / "linked"]


def _submodule(box: Sandbox) -> tuple[Path, list[Path], list[Path]]:
    inner = box.root / "inner"
    subprocess.run(["git", "init", "-q", str(inner)], env=box.env, check=True)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "inner"], cwd=inner, env=box.env, check=True)
    box.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "sub")
    box.commit("submodule")
    return box.repo / "sub", [box.repo / ".git", box.repo / ".git" / "modules" / "sub"], [box.repo / "sub"]


SETUPS: dict[str, Callable[[Sandbox], tuple[Path, list[Path], list[Path]]]] = {
    "no hooks": _no_hooks, "pre-commit": _pre_commit, "husky": _husky, "global hooksPath": _global_hooks_path,
    "worktree": _worktree, "submodule": _submodule}


@pytest.mark.parametrize("setup", list(SETUPS))
def test_install_then_uninstall_leaves_config_and_hooks_as_they_were(sandbox: Sandbox, setup: str) -> None:
    (sandbox.repo / "README").write_text("hello\n")
    sandbox.commit("first")
    where, git_dirs, extra = SETUPS[setup](sandbox)
    before = _state(sandbox, git_dirs, extra)
    run = {**sandbox.env}

    def sealfile(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sealfile", *args], cwd=where, env=run, capture_output=True,
                              text=True, check=True)

    sealfile("git", "install", "--command", SEALFILE)
    assert _state(sandbox, git_dirs, extra) != before  # installed: the drivers' config at least
    sealfile("git", "uninstall")
    assert _state(sandbox, git_dirs, extra) == before
    assert not (where / ".gitattributes").exists()


@pytest.mark.parametrize("setup", ["husky", "global hooksPath"])
def test_install_with_core_hooks_path_names_it_and_what_each_hook_should_run(sandbox: Sandbox, setup: str) -> None:
    _, _, (hooks,) = SETUPS[setup](sandbox)
    """A hooks directory in the work tree is committed (husky's): the hooks it is told of name ``sealfile`` as each
    clone's PATH finds it, never this machine's virtualenv (every teammate's commit failed on the path); one outside
    (set globally, per machine) names this installation, which that machine runs."""
    said = sandbox.sealfile("git", "install", "--command", SEALFILE).stderr
    configured = sandbox.git("config", "core.hooksPath").stdout.strip()
    command, where = ("sealfile", " to .husky, in the work tree (committed: so no path of this machine)"
                      ) if setup == "husky" else (SEALFILE, "")
    for hook in HOOKS:
        run = f"{command} git unresolved" + (" --warn" if hook == "post-rewrite" else "")
        assert f"core.hooksPath is set{where}: have {configured}/{hook} run '{run}' (so" in said, said
    assert (sys.executable in said) == (setup != "husky"), said
    assert not any(MARK in text.decode() for text in _files(hooks).values())
    assert not any((sandbox.repo / ".git" / "hooks" / hook).exists() for hook in HOOKS)

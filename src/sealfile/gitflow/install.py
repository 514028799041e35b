"""``sealfile git install``: the ``.gitattributes`` lines and git config for the diff and merge drivers.

Idempotent: the attributes live in one marked block that install rewrites and uninstall
removes; the config is two sections (``diff.sealfile``, ``merge.sealfile``) set through the git
CLI. ``diff.sealfile.cachetextconv`` is deliberately left unset: git would cache decrypted
views in its notes.

The drivers run ``sealfile`` from PATH; ``command`` (or ``SEALFILE_GIT_COMMAND``) replaces it,
e.g. ``"/path/to/python" -m sealfile`` for a virtualenv git does not see.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sealfile.files.atomic import atomic_write
from sealfile.gitflow.gitcli import git, toplevel
from sealfile.ops.config import load_config

DRIVER = "sealfile"
COMMAND_ENV = "SEALFILE_GIT_COMMAND"
BEGIN = "# >>> sealfile (managed by 'sealfile git install'; edit sealed_files in .sealfile.yaml instead)"
END = "# <<< sealfile"


@dataclass(frozen=True)
class Installed:
    attributes_file: Path
    patterns: tuple[str, ...]
    scope: str
    command: str


def driver_command(command: str | None = None) -> str:
    return command or os.environ.get(COMMAND_ENV) or "sealfile"


def driver_config(command: str) -> dict[str, str]:
    return {
        f"diff.{DRIVER}.textconv": f"{command} git textconv",
        f"merge.{DRIVER}.name": "sealfile: three-way merge of sealed values",
        f"merge.{DRIVER}.driver": f"{command} git merge-driver %O %A %B %P",
    }


def attributes_file(cwd: Path, global_: bool) -> Path:
    if not global_:
        return toplevel(cwd) / ".gitattributes"
    configured = git(["config", "--global", "--get", "core.attributesFile"], cwd, ok=(0, 1)).strip()
    if configured:
        return Path(configured).expanduser()
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(config_home) / "git" / "attributes"


def install(cwd: str | os.PathLike[str] = ".", *, global_: bool = False, command: str | None = None) -> Installed:
    where = Path(cwd)
    patterns = load_config(toplevel(where) if not global_ else where).sealed_patterns
    command = driver_command(command)
    scope = "--global" if global_ else "--local"
    for name, value in driver_config(command).items():
        git(["config", scope, name, value], where)
    target = attributes_file(where, global_)
    lines = [f"{pattern} diff={DRIVER} merge={DRIVER}" for pattern in patterns]
    _write_block(target, [BEGIN, *lines, END])
    return Installed(target, patterns, "global" if global_ else "repository", command)


def uninstall(cwd: str | os.PathLike[str] = ".", *, global_: bool = False) -> Path:
    where = Path(cwd)
    scope = "--global" if global_ else "--local"
    for section in (f"diff.{DRIVER}", f"merge.{DRIVER}"):
        git(["config", scope, "--remove-section", section], where, ok=(0, 1, 128))
    target = attributes_file(where, global_)
    _write_block(target, [])
    return target


def _write_block(target: Path, block: list[str]) -> None:
    """Replace our marked block (or append it); other lines stay as they were."""
    existing = target.read_text(encoding="utf-8").splitlines() if target.exists() else []
    kept: list[str] = []
    inside = False
    for line in existing:
        if line == BEGIN:
            inside = True
        elif line == END and inside:
            inside = False
        elif not inside:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    if block:
        kept += ([""] if kept else []) + block
    if not kept and not target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, "\n".join(kept) + "\n" if kept else "")

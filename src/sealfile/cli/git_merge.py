"""git merge-driver and git resolve: the three-way merge git runs, and accepting a conflict it left."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sealfile.cli.boundary import say
from sealfile.cli.options import FILE_PATH
from sealfile.errors import SealfileError, one_line
from sealfile.files import io
from sealfile.gitflow.driver_commands import MERGE_CONFLICT
from sealfile.ops.config import trust_near
from sealfile.stores import store_for

if TYPE_CHECKING:
    from sealfile.cli.console import Console
    from sealfile.gitflow.conflicts import Pending
    from sealfile.model.paths import Path as PathTuple


@click.command("merge-driver")
@click.argument("base", type=FILE_PATH)
@click.argument("ours", type=FILE_PATH)
@click.argument("theirs", type=FILE_PATH)
@click.argument("path", required=False, default=None)
def merge_driver(base: Path, ours: Path, theirs: Path, path: str | None) -> None:
    """(run by git) Three-way merge of sealed values.

    Merges into OURS by key path; exit status 9 leaves a conflict for git to report.
    """
    from sealfile.gitflow.drivers import governing_configs_missing
    from sealfile.gitflow.merge import merge_texts
    from sealfile.gitflow.replay import replay_in_progress, replay_judges
    from sealfile.ops.signatures import for_file

    name = path or str(ours)
    word = shlex.quote(name)  # the commands below are meant to be pasted: a name with spaces stays one word
    replay = None
    pending = _pending(path, ours, theirs)
    try:
        missing = governing_configs_missing(name, then=f"git checkout -m {word}") if path else None
        if missing:
            raise SealfileError(missing)
        replay = replay_in_progress(".")
        # a merge stopped and run again (git checkout -m) finds theirs' change to the configs in the work tree;
        # in a replay HEAD is the branch replayed onto, or holds the commits picked so far (gitflow/replay.py)
        committed = replay_judges(name, ".", replay) if path else ()
        with trust_near(name):  # OURS is git's temporary copy at the top: the config near the file governs
            result = merge_texts(_read_optional(base), io.read_text(ours), io.read_text(theirs),
                                 store_for(name), for_file(name), committed)
    except SealfileError as err:
        say(f"sealfile: {name}: cannot merge automatically: {err}")
        by_hand = "sops edit" if _sops_file(ours) else "sealfile edit"  # sealfile changes no SOPS file
        say(f"sealfile: {name}: kept our version; once the cause is fixed, merge it again with: git checkout -m "
            f"{word}; or combine the changes by hand: {by_hand} {word}")
        _remember(pending, ours, [])
        sys.exit(MERGE_CONFLICT)
    for warning in result.warnings:
        say(f"sealfile: {name}: warning: {warning}")
    io.write_output(ours, result.text, private=False, lock=False)  # git's temporary copy: a lock would outlive it
    if result.conflicts:
        say(f"sealfile: {name}: CONFLICT at {', '.join(result.conflicts)}")
        kept, other = (("the value of the branch being rebased onto (git's 'ours' in a rebase)",
                        "theirs (your commit being replayed)") if replay and replay.rebase else ("our value", "theirs"))
        say(f"sealfile: {name}: the file keeps {kept} at those paths and every other change from both "
            "sides (still sealed, nothing decrypted was written)")
        # stdin has no name to tell its syntax by: say it, or a JSON or dotenv file is read as YAML
        say(f"sealfile: {name}: see {other} with: git show {shlex.quote(':3:' + name)} | sealfile decrypt "
            f"--input-type {store_for(name).name} -")
        say(f"sealfile: {name}: fix with: sealfile edit {word} && git add {word} (to keep the value it holds: "
            f"sealfile git resolve {word}; until then 'sealfile check' refuses to commit it)")
        _remember(pending, ours, list(zip(result.conflicts, result.conflict_paths, strict=True)))
        sys.exit(MERGE_CONFLICT)


def _pending(path: str | None, ours: Path, theirs: Path) -> Pending | None:
    """Where the driver will record a conflict it leaves (:mod:`sealfile.gitflow.conflicts`); ``None`` when git did
    not name the file (run by hand) or this is no work tree with a HEAD."""
    from sealfile.gitflow.conflicts import Pending

    if path is None:
        return None
    try:
        return Pending(path, io.read_bytes(ours), io.read_bytes(theirs))
    except (SealfileError, OSError, ValueError):
        return None


def _remember(pending: Pending | None, written: Path, conflicts: list[tuple[str, PathTuple | None]]) -> None:
    if pending is None:
        return
    try:
        pending.remember(io.read_bytes(written), conflicts)
    except (SealfileError, OSError) as err:  # the conflict stands; only the guard against committing it is lost
        say(f"sealfile: warning: cannot record the conflict for 'sealfile check' ({one_line(str(err))}): "
            "resolve it before committing")


def _read_optional(path: Path) -> str | None:
    text = io.read_text(path)
    return text if text.strip() else None


def _sops_file(file: Path) -> bool:
    from sealfile.ops.sops_files import is_sops_text

    try:
        return is_sops_text(io.read_text(file))
    except SealfileError:
        return False


@click.command("resolve")
@click.argument("files", nargs=-1, required=True, type=FILE_PATH)
def resolve_command(files: tuple[Path, ...]) -> None:
    """Keep what FILES hold where the merge driver left a conflict.

    The driver keeps one side's value at each conflicting key path (ours; in a rebase, the branch
    rebased onto) and 'sealfile check' refuses to commit the file until that value is changed or
    taken on purpose: this takes it. Then: git add FILES.
    """
    from sealfile.cli.batch import for_each_file
    from sealfile.gitflow.conflicts import resolve

    def one(file: Path, console: Console) -> None:
        with io.about(file):
            kept = resolve(file)
        shown = f" at {', '.join(kept)}" if kept else ""
        console.echo(one_line(f"{file}: resolved: keeping what it holds{shown}; now: git add {shlex.quote(str(file))}"))

    # every file is tried, as other commands of several files do: one with no conflict left stopped the run, and
    # the files after it were neither resolved nor named
    for_each_file(files, "git resolve", one)

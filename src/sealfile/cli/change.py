"""edit, set, unset, rotate, recipients, updatekeys: parse, lock, call the library, write."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sealfile.cli import hot
from sealfile.cli.app import cli
from sealfile.cli.exit_codes import ExitCode
from sealfile.cli.options import (
    creation_defaults,
    group_options,
    input_type_option,
    keys_from_options,
    recipient_options,
    recipients_from_options,
    rule_options,
    rules_from_options,
)
from sealfile.cli.writes import read_sealed, rewrite
from sealfile.errors import FormatError, SealfileError
from sealfile.files import io
from sealfile.files.locking import locked
from sealfile.kms.base import MasterKey
from sealfile.kms.groups import KeyGroups
from sealfile.ops import change, read, signatures
from sealfile.ops.config import load_config, trust_near
from sealfile.ops.values import VALUE_TYPES
from sealfile.stores import store_for

FILE = click.Path(dir_okay=False, path_type=Path)
ROTATE_HELP = ("Also seal under a new data key (needed when the file is not signed by a trusted signer: "
               "whoever sealed it may hold its key).")


@cli.command()
@click.argument("file", type=FILE)
@recipient_options
@group_options
@rule_options
@click.option("--allow-disk", is_flag=True, help="Allow the plaintext on disk if no RAM-backed directory exists.")
@click.option("--rotate", is_flag=True, help=ROTATE_HELP)
@input_type_option
def edit(file: Path, allow_disk: bool, rotate: bool, input_type: str | None, **params: Any) -> None:
    """Edit a sealed file in $VISUAL/$EDITOR; the plaintext stays on a RAM-backed filesystem."""
    from sealfile.files.editor import edit_plaintext

    keys = recipients_from_options(params)
    rules = rules_from_options(params)
    store = store_for(file, input_type)
    policy = signatures.for_file(file)

    def reopen(err: FormatError) -> bool:
        if not sys.stdin.isatty():
            return False  # the error is reported once, by the boundary; the sealed file is untouched
        click.echo(f"sealfile: {err}", err=True)
        return click.confirm("Reopen the editor to fix it? (no: abort, the sealed file stays as it was)",
                             default=True, err=True)

    with io.about(file), trust_near(file), locked(file):
        if file.exists():
            sealed = read_sealed(file)
            plaintext = change.plaintext_for_editing(sealed, store, policy=policy, rotate=rotate)

            def accept(edited: str) -> str | None:
                if edited == plaintext and not rotate:
                    return None
                return change.reseal_edited(sealed, edited, store, policy=policy, rotate=rotate)
        else:
            keys, rules = creation_defaults(file, keys, rules)
            plaintext = f"# New sealfile secrets: write {store.name} here; every value is sealed on save.\n"
            if store.name == "json":
                plaintext = "{}\n"

            def accept(edited: str) -> str | None:
                return None if edited == plaintext else change.seal_new(edited, keys, rules, store, policy=policy)

        result = edit_plaintext(plaintext, accept, allow_disk=allow_disk, reopen=reopen, name=file.name)
        if result is None:
            click.echo(f"{file}: no change", err=True)
            return
        io.write_output(file, result, private=False)
    click.echo(f"{file}: saved", err=True)


@cli.command("set")
@click.argument("file", type=FILE)
@click.argument("keypath")
@click.argument("value", required=False)
@click.option("--type", "value_type", type=click.Choice(VALUE_TYPES), default="str", show_default=True,
              help="How to read VALUE; 'yaml' parses it as YAML (a mapping or list sets a subtree).")
@click.option("--rotate", is_flag=True, help=ROTATE_HELP)
@input_type_option
def set_command(file: Path, keypath: str, value: str | None, value_type: str, rotate: bool,
                input_type: str | None) -> None:
    """Set one value. Without VALUE it is read from stdin, so it stays out of shell history."""
    if value is None:
        value = click.prompt("value", hide_input=True, err=True) if sys.stdin.isatty() else hot.read_value(value_type)
    hot.set_value(file, keypath, value, value_type, rotate, input_type)


@cli.command()
@click.argument("file", type=FILE)
@click.argument("keypath")
@click.option("--rotate", is_flag=True, help=ROTATE_HELP)
@input_type_option
def unset(file: Path, keypath: str, rotate: bool, input_type: str | None) -> None:
    """Remove one value or subtree."""
    store = store_for(file, input_type)
    policy = signatures.for_file(file)
    rewrite(file, lambda text: change.unset_value(text, keypath, store, policy=policy, rotate=rotate))
    click.echo(f"{file}: {keypath} removed", err=True)


IN_FLIGHT = 8
"""Files worked on at once: their KMS requests wait on the network together, not one after another."""


def _each(files: tuple[Path, ...], label: str, work: Callable[[Path], str]) -> None:
    """Run ``work`` for every file, up to :data:`IN_FLIGHT` at a time, with a progress bar; a failure
    on one leaves that file untouched and the rest go on. Results are reported in the files' order."""
    import contextvars
    from concurrent.futures import ThreadPoolExecutor, as_completed

    unique = tuple(dict.fromkeys(files))  # one worker per file: two on the same file would contend for its lock
    outcome: dict[Path, str | SealfileError] = {}

    def one(file: Path) -> str:  # each in a copy of this context: trust settings apply in the worker too
        return contextvars.copy_context().run(work, file)

    with ThreadPoolExecutor(max_workers=min(IN_FLIGHT, len(unique)), thread_name_prefix="sealfile-file") as pool, \
            click.progressbar(length=len(unique), label=label, file=sys.stderr, show_pos=True) as bar:
        futures = {pool.submit(one, file): file for file in unique}
        for future in as_completed(futures):
            file = futures[future]
            try:
                outcome[file] = future.result()
            except SealfileError as err:
                outcome[file] = err.in_file(str(file))
            bar.update(1)
    done = [f"{file}: {outcome[file]}" for file in unique if isinstance(outcome[file], str)]
    failures = [str(outcome[file]) for file in unique if not isinstance(outcome[file], str)]
    for line in done:
        click.echo(line, err=True)
    for line in failures:
        click.echo(f"sealfile: error: {line}", err=True)
    click.echo(f"{len(done)} done, {len(failures)} failed", err=True)
    if failures:
        sys.exit(ExitCode.ERROR)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=FILE)
@input_type_option
def rotate(files: tuple[Path, ...], input_type: str | None) -> None:
    """New data key per file: every value re-encrypted, re-wrapped for every recipient."""
    _each(files, "rotating", lambda file: _rotate_one(file, input_type))


def _rotate_one(file: Path, input_type: str | None) -> str:
    store = store_for(file, input_type)
    policy = signatures.for_file(file)
    return "rotated" if rewrite(file, lambda text: change.rotate(text, store, policy=policy)) else "unchanged"


def _describe(keys: list[MasterKey]) -> str:
    return ", ".join(f"{k.type_id} {k.key_id}" for k in keys)


@cli.group()
def recipients() -> None:
    """List, add or remove who can open files (re-wraps the data key; values untouched)."""


@recipients.command("list")
@click.argument("files", nargs=-1, required=True, type=FILE)
@input_type_option
def recipients_list(files: tuple[Path, ...], input_type: str | None) -> None:
    for file in files:
        with io.about(file):
            info = read.describe(io.read_text(file), store_for(file, input_type))
        for number, group in enumerate(info.groups, 1):
            where = f"\tgroup {number} (any {info.threshold} of {len(info.groups)})" if len(info.groups) > 1 else ""
            for type_id, key_id in group:
                click.echo(f"{file}\t{type_id}\t{key_id}{where}")


def _recipient_change(
    files: tuple[Path, ...],
    label: str,
    *,
    add: list[MasterKey] | None = None,
    remove: list[MasterKey] | None = None,
    exact: list[MasterKey] | KeyGroups | None = None,
    group: int | None = None,
    input_type: str | None = None,
) -> None:
    def work(file: Path) -> str:
        outcome: list[change.RecipientChange] = []
        store = store_for(file, input_type)
        policy = signatures.for_file(file)

        def apply(text: str) -> str:
            outcome.append(change.change_recipients(text, add=add or [], remove=remove or [], exact=exact,
                                                     group=group, store=store, policy=policy))
            return outcome[-1].text

        rewrite(file, apply)
        result = outcome[-1]
        parts = [f"added {_describe(result.added)}" if result.added else "",
                 f"removed {_describe(result.removed)}" if result.removed else ""]
        return "; ".join(p for p in parts if p) or "unchanged"

    _each(files, label, work)


@recipients.command("add")
@click.argument("files", nargs=-1, required=True, type=FILE)
@recipient_options
@click.option("--group", type=click.IntRange(1), metavar="N",
              help="The key group the recipients join (needed when a file has several).")
@input_type_option
def recipients_add(files: tuple[Path, ...], group: int | None, input_type: str | None, **params: Any) -> None:
    keys = keys_from_options(params)
    if not keys:
        raise click.UsageError("name at least one recipient to add")
    _recipient_change(files, "adding", add=keys, group=group, input_type=input_type)


@recipients.command("remove")
@click.argument("files", nargs=-1, required=True, type=FILE)
@recipient_options
@click.option("--rotate", "then_rotate", is_flag=True, help="Also rotate the data key (recommended).")
@input_type_option
def recipients_remove(files: tuple[Path, ...], then_rotate: bool, input_type: str | None, **params: Any) -> None:
    keys = keys_from_options(params)
    if not keys:
        raise click.UsageError("name at least one recipient to remove")
    _recipient_change(files, "removing", remove=keys, input_type=input_type)
    if then_rotate:
        _each(files, "rotating", lambda file: _rotate_one(file, input_type))
    else:
        click.echo("warning: a removed recipient may have kept the old data key; run 'sealfile rotate' "
                   "(or use --rotate) so it cannot read future values", err=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=FILE)
@click.option("-y", "--yes", is_flag=True, help="Apply without asking.")
@input_type_option
def updatekeys(files: tuple[Path, ...], yes: bool, input_type: str | None) -> None:
    """Make each file's recipients match its creation rule in .sealfile.yaml.

    The change is shown and confirmed (unless --yes) before anything is unwrapped or wrapped, so
    no new recipient's service is contacted without the user's say."""
    for file in files:
        with io.about(file):
            rule = load_config(file).rule_for(file)
            if rule is None or rule.recipients is None:
                raise SealfileError("no creation rule with recipients matches this file")
            preview = change.plan_recipients(read_sealed(file), exact=rule.recipients,
                                             store=store_for(file, input_type))
        if not preview.changes:
            click.echo(f"{file}: recipients already match", err=True)
            continue
        if rule.recipients.grouped:
            click.echo(f"{file}: key groups: {rule.recipients.describe()}", err=True)
        for key in preview.added:
            click.echo(f"{file}: + {key.type_id} {key.key_id}", err=True)
        for key in preview.removed:
            click.echo(f"{file}: - {key.type_id} {key.key_id}", err=True)
        if not yes and not click.confirm(f"Update {file}?", default=False, err=True):
            click.echo(f"{file}: skipped", err=True)
            continue
        _recipient_change((file,), "updating", exact=rule.recipients, input_type=input_type)

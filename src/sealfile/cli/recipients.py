"""recipients list|add|remove and updatekeys: who can open a file, changed one atomic write per file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sealfile.cli.app import cli
from sealfile.cli.batch import IN_FLIGHT, for_each_file
from sealfile.cli.console import Console
from sealfile.cli.options import SEALED_FILE, input_type_option, keys_from_options, recipient_options
from sealfile.cli.writes import read_sealed, rewrite
from sealfile.errors import ChangedMeanwhile, SealfileError, one_line
from sealfile.files import io
from sealfile.kms.base import MasterKey, describe_keys
from sealfile.kms.groups import KeyGroups, who_opens
from sealfile.ops import change, keyless, signatures
from sealfile.ops.reader import read_document
from sealfile.ops.rule_recipients import rule_for_file, without_recipients
from sealfile.ops.sops_files import sops_kind
from sealfile.stores import store_for


@cli.group()
def recipients() -> None:
    """List, add or remove who can open files."""


@recipients.command("list")
@click.argument("files", nargs=-1, required=True, type=SEALED_FILE)
@input_type_option
def recipients_list(files: tuple[Path, ...], input_type: str | None) -> None:
    """Print each file's recipients, one per line (no key).

    Sealed or SOPS files. Tab-separated: FILE, kind, key id, and for files with key groups the group and its threshold.
    """

    def one(file: Path, console: Console) -> None:
        with io.about(file):
            text = io.read_text(file)
            kind = sops_kind(text, str(file), input_type)
            if kind is None:
                meta = read_document(text, store_for(file, input_type)).metadata
                groups, threshold = keyless.group_names(meta), meta.threshold
            else:
                from sealfile.sops.status import recipient_groups

                groups, threshold = recipient_groups(text, kind)
        for number, group in enumerate(groups, 1):
            where = f"\tgroup {number} (any {threshold} of {len(groups)})" if len(groups) > 1 else ""
            for type_id, key_id in group:
                console.echo(f"{one_line(str(file))}\t{one_line(type_id)}\t{one_line(key_id)}{where}")

    for_each_file(files, "recipients list", one)


NOT_ROTATED = ("a removed recipient may have kept the old data key; run 'sealfile rotate' (or use --rotate) so it "
               "cannot read future values")
NARROWED_NOT_ROTATED = ("a recipient who now needs more key groups to open the file may have kept the old data key; "
                        "run 'sealfile rotate' (or use --rotate) so it cannot read future values alone")


def _change_one(file: Path, console: Console, then_rotate: bool, input_type: str | None, *,
                add: list[MasterKey] | None = None, remove: list[MasterKey] | None = None,
                exact: list[MasterKey] | KeyGroups | None = None, group: int | None = None,
                shown: change.RecipientChange | None = None, retry: str = signatures.RETRY_WITH_ROTATE,
                only_listed: bool = False) -> None:
    """Apply one recipient change (and the rotation, in the same write) and report it; ``shown``: the change as the
    user confirmed it, refused if the file now calls for another one."""
    store = store_for(file, input_type)
    policy = signatures.for_file(file)
    outcome: list[change.RecipientChange] = []

    def apply(text: str) -> str:
        if shown is not None and text != shown.text:
            _refuse_unless_as_shown(shown, change.plan_recipients(text, add=add or [], remove=remove or [],
                                                                  exact=exact, group=group, store=store))
        outcome.append(change.change_recipients(text, add=add or [], remove=remove or [], exact=exact, group=group,
                                                store=store, policy=policy, rotate=then_rotate, retry=retry,
                                                only_listed=only_listed))
        return outcome[-1].text

    rewrite(file, apply)
    result = outcome[-1]
    parts = ["key groups changed" if result.regrouped else "",
             f"added {describe_keys(result.added)}" if result.added else "",
             f"removed {describe_keys(result.removed)}" if result.removed else "",
             f"settings of {describe_keys(result.resettled)} changed" if result.resettled else "",
             "data key rotated" if result.rotated else ""]
    unchanged = "unchanged"
    if remove and not result.removed:
        unchanged += f" (not a recipient: {describe_keys(remove)})"
    console.echo(f"{one_line(str(file))}: {'; '.join(p for p in parts if p) or unchanged}", err=True)
    if result.removed and not result.rotated:
        console.warn_at_end(NOT_ROTATED)
    elif result.narrowed and not result.rotated:
        console.warn_at_end(NARROWED_NOT_ROTATED)


def _refuse_unless_as_shown(shown: change.RecipientChange, now: change.RecipientChange) -> None:
    """The file was changed while the user read its planned change (another ``recipients add`` landed meanwhile):
    applied now, the change would differ from the one confirmed, e.g. remove a recipient it never showed."""
    def summary(plan: change.RecipientChange) -> tuple[object, ...]:
        return (*(tuple((key.type_id, key.key_id) for key in keys) for keys in (plan.added, plan.removed,
                                                                               plan.resettled)),
                plan.regrouped, tuple((key.type_id, key.key_id) for key in plan.narrowed))

    if summary(now) != summary(shown):
        raise ChangedMeanwhile("changed by another program while its recipient change awaited your answer, and now "
                               "needs another change than the one shown; nothing was written (run the command again "
                               "to see it)")


def _refuse_recipient_as_file(verb: str, files: tuple[Path, ...]) -> None:
    """An age recipient, or an SSH public key file, where FILES go: the command with the flag it needs."""
    import shlex

    from sealfile.errors import one_line

    for given in files:
        name = str(given)
        if name.lower().startswith("age1") and not given.exists():
            flag = "--age"
        elif name.endswith(".pub") and given.is_file() and given.read_bytes()[:64].startswith((b"ssh-", b"ecdsa-")):
            flag = "--ssh"
        else:
            continue
        sealed = " ".join(shlex.quote(str(file)) for file in files if file != given)
        raise click.UsageError(f"{one_line(name)} is a recipient, not a file: name its kind (sealfile recipients "
                               f"{verb} {one_line(sealed)} {flag} {one_line(shlex.quote(name))})")


@recipients.command("add")
@click.argument("files", nargs=-1, required=True, type=SEALED_FILE)
@recipient_options
@click.option("--group", type=click.IntRange(1), metavar="N",
              help="The key group the recipients join (needed when a file has several).")
@input_type_option
def recipients_add(files: tuple[Path, ...], group: int | None, input_type: str | None, **params: Any) -> None:
    """Let more recipients open FILES.

    The data key is wrapped for them too; values are untouched.
    """
    _refuse_recipient_as_file("add", files)
    keys = keys_from_options(params)
    if not keys:
        raise click.UsageError("name at least one recipient to add")

    def one(file: Path, console: Console) -> None:
        _change_one(file, console, False, input_type, add=keys, group=group, retry=signatures.RETRY_ADOPT_FIRST)
        expected = signatures.for_file(file).expected
        unnamed = [] if expected is None else expected.unexpected(KeyGroups.of(keys))
        # the user's choice, but without signers every later write checks the rule, which lacks them
        if unnamed and expected is not None:
            console.warn(f"{one_line(str(file))}: its creation rule in {one_line(expected.config)} does not name "
                         f"{describe_keys(unnamed)}: add them there, or the next set, edit or rotate of the file "
                         "refuses it ('sealfile updatekeys' would remove them)")

    for_each_file(files, "recipients add", one, in_flight=IN_FLIGHT)


ROTATE_HELP = ("Also rotate the data key when a recipient is removed or needs more key groups (recommended: they "
               "may have kept it).")


@recipients.command("remove")
@click.argument("files", nargs=-1, required=True, type=SEALED_FILE)
@recipient_options
@click.option("--rotate", "then_rotate", is_flag=True, help=ROTATE_HELP)
@input_type_option
def recipients_remove(files: tuple[Path, ...], then_rotate: bool, input_type: str | None, **params: Any) -> None:
    """Stop recipients opening FILES (--rotate recommended).

    Without --rotate a removed recipient who kept the data key could still read values set
    later; --rotate re-encrypts every value under a new data key in the same write.
    """
    _refuse_recipient_as_file("remove", files)
    keys = keys_from_options(params)
    if not keys:
        raise click.UsageError("name at least one recipient to remove")
    several = len(files) > 1
    if several:
        _refuse_listed_nowhere(files, keys, input_type)

    def one(file: Path, console: Console) -> None:
        still_listed = _listed_by_config(file, keys)
        _change_one(file, console, then_rotate, input_type, remove=keys, only_listed=several)
        for key, config in still_listed:
            console.warn(f"{one_line(str(file))}: {one_line(str(config))} still lists {key.type_id} "
                         f"{one_line(key.key_id)} for this file: the next "
                         "'sealfile updatekeys' would add it back; remove it there too")

    for_each_file(files, "recipients remove", one, in_flight=IN_FLIGHT)


def _refuse_listed_nowhere(files: tuple[Path, ...], keys: list[MasterKey], input_type: str | None) -> None:
    """Offboarding someone from many files (a glob) passes over the files they were never on, so running it again
    after a failure finishes the rest; a key that none of the files lists is a mistake (a typo, the wrong key) and
    fails first. A file that cannot be read here is left to the command itself, which says why."""
    found: list[MasterKey] = []
    for file in files:
        try:
            found += change.listed_recipients(io.read_text(file), keys, store_for(file, input_type))
        except (SealfileError, OSError, UnicodeError):
            return
    missing = [key for key in keys if not any(key.same_key(other) for other in found)]
    if missing:
        raise SealfileError(f"not a recipient of any of the {len(files)} files: {describe_keys(missing)}; "
                            f"nothing was changed ({change.REMOVED_ALREADY})")


def _listed_by_config(file: Path, keys: list[MasterKey]) -> list[tuple[MasterKey, str]]:
    """The keys that the creation rule for ``file`` (the one ``updatekeys`` applies) still names, with its config."""
    choice = rule_for_file(file)
    if choice is None:
        return []
    return [(key, choice.config) for key in keys if any(key.same_key(listed) for listed in choice.rule.keys)]


@cli.command()
@click.argument("files", nargs=-1, required=True, type=SEALED_FILE)
@click.option("-y", "--yes", is_flag=True, help="Apply without asking.")
@click.option("--rotate", "then_rotate", is_flag=True, help=ROTATE_HELP)
@input_type_option
def updatekeys(files: tuple[Path, ...], yes: bool, then_rotate: bool, input_type: str | None) -> None:
    """Make recipients match .sealfile.yaml's creation rules.

    The change is shown and confirmed (unless --yes) before anything is unwrapped or wrapped, so
    no new recipient's service is contacted without the user's say.
    """

    def one(file: Path, console: Console) -> None:
        with io.about(file):
            text = read_sealed(file)  # a SOPS file is refused as such, whatever the rules say
            choice = rule_for_file(file)
            rule = choice.rule if choice is not None else None
            if rule is None or rule.recipients is None:
                raise SealfileError(without_recipients(choice, file))
            preview = change.plan_recipients(text, exact=rule.recipients, store=store_for(file, input_type))
        shown = one_line(str(file))
        if not preview.changes:
            console.echo(f"{shown}: recipients already match", err=True)
            return
        if rule.recipients.grouped:
            console.echo(f"{shown}: key groups: {rule.recipients.describe()}", err=True)
        if preview.narrowed:  # split more loosely than the rule: whoever split it so may hold its data key
            console.echo(f"{shown}: ! {who_opens(preview.narrowed)} open it now, where the rule asks "
                         f"{rule.recipients.describe()} (--rotate gives it a data key they never held)", err=True)
        for key in preview.added:
            console.echo(f"{shown}: + {key.type_id} {one_line(key.key_id)}", err=True)
        for key in preview.removed:
            console.echo(f"{shown}: - {key.type_id} {one_line(key.key_id)}", err=True)
        for key in preview.resettled:
            console.echo(f"{shown}: ~ {key.type_id} {one_line(key.key_id)} (its settings change)", err=True)
        if not yes and not console.confirm(f"Update {shown}?"):
            console.echo(f"{shown}: skipped", err=True)
            return
        _change_one(file, console, then_rotate, input_type, exact=rule.recipients, shown=None if yes else preview)

    for_each_file(files, "updatekeys", one, in_flight=IN_FLIGHT if yes else 1)  # a question waits its turn

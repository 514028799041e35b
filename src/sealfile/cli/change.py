"""edit, set, unset, rotate: parse, lock, call the library, write."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from sealfile.cli import flags, hot
from sealfile.cli.app import cli
from sealfile.cli.boundary import say
from sealfile.cli.console import hidden_answer, yes_or_no
from sealfile.cli.options import (
    SEALED_FILE,
    SecretArgumentCommand,
    group_options,
    input_type_option,
    recipient_options,
    recipients_from_options,
    rule_options,
    unseal_option,
    usage_checked,
)
from sealfile.cli.writes import (
    follow_moves,
    keep_aside,
    kept_anywhere,
    read_sealed,
    read_value,
    refuse_dash_value,
    refuse_missing,
    rewrite,
    tell_aliases,
    tell_plain,
    write_following,
)
from sealfile.errors import ChangedMeanwhile, FormatError, SealfileError, one_line
from sealfile.files import io
from sealfile.files.locking import locked
from sealfile.ops import change, signatures
from sealfile.ops.alias_effects import telling_aliases
from sealfile.ops.config import trust_near
from sealfile.ops.values import VALUE_TYPES
from sealfile.stores import Store, fitting_name, store_for


def _given_on_command_line(params: dict[str, Any]) -> list[str]:
    """The recipient, key-group and rule options of ``params`` that the command line gives (not the environment's
    ``SEALFILE_EDIT_...`` defaults for new files), as flags."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    flags_of = {param.name: param.opts[0] for param in ctx.command.params}
    return [flags_of[name] for name, value in params.items()
            if value and ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE]


ROTATE_HELP = ("Also seal under a new data key (needed when the file is not signed by a trusted signer: "
               "whoever sealed it may hold its key).")


@cli.command()
@click.argument("file", type=SEALED_FILE)
@recipient_options
@group_options
@rule_options
@click.option("--allow-disk", is_flag=True,
              help="Linux: use a private directory on disk if no RAM-backed one exists (macOS, Windows: always).")
@click.option("--rotate", is_flag=True, help=ROTATE_HELP)
@unseal_option
@input_type_option
@usage_checked
def edit(file: Path, allow_disk: bool, rotate: bool, unseal: bool, input_type: str | None, **params: Any) -> None:
    """Edit a sealed file in $VISUAL/$EDITOR; re-sealed on save.

    The plaintext lives in a private, wiped workspace only while the editor runs (see the README
    for where, per platform). Editing a file that does not exist yet creates it, for the recipients and
    rules the options name (they are refused for a file that exists, not ignored).
    """
    from sealfile.files.atomic import check_replaceable
    from sealfile.files.editor import edit_plaintext

    given = _given_on_command_line(params)
    keys = recipients_from_options(params)
    rules = flags.flag_rules(params)
    store = store_for(file, input_type)
    policy = signatures.for_file(file)

    def reopen(err: FormatError) -> bool:
        if not sys.stdin.isatty():
            return False  # the error is reported once, by the boundary; the sealed file is untouched
        click.echo(f"sealfile: {err}", err=True)
        try:
            return yes_or_no("Reopen the editor to fix it? (no: abort, the sealed file stays as it was)", default=True)
        except EOFError:
            return False

    edits, told = list[str](), list[str]()  # the plaintext sealed; its secrets left in plaintext (tell_plain)
    with io.about(file), trust_near(file), locked(file):
        if file.exists():
            if given:  # they would be ignored: someone meant to be let in, or left out, would not know
                raise click.UsageError(f"{given[0]} applies to a new file, and {one_line(str(file))} exists: its "
                                       "recipients and rules stay as they are (change who opens it with 'sealfile "
                                       "recipients add|remove' or 'sealfile updatekeys')")
            sealed = original = read_sealed(file)
            plaintext = change.plaintext_for_editing(sealed, store, policy=policy, rotate=rotate)

            def accept(edited: str) -> str | None:
                if edited == plaintext and not rotate:
                    return None
                edits[:] = [edited]
                return change.reseal_edited(sealed, edited, store, policy=policy, rotate=rotate, unseal=unseal,
                                            plain=told.append)
        else:
            original = None
            fitting_name(file, store)  # every later command reads the new file by its name
            keys, rules = hot.creation_defaults(file, keys, rules)
            plaintext = f"# New sealfile secrets: write {store.name} here; every value is sealed on save.\n"
            if store.name == "json":
                plaintext = "{}\n"

            def accept(edited: str) -> str | None:
                return None if edited == plaintext else change.seal_new(edited, keys, rules, store, policy=policy,
                                                                        plain=told.append)

        check_replaceable(file)  # now, not after the user has typed an edit that cannot be saved
        _say_unresolved(file)
        result = edit_plaintext(plaintext, accept, allow_disk=allow_disk, reopen=reopen, name=file.name,
                                note=lambda text: say(f"sealfile: note: {text}"))
        if result is None:
            from sealfile.files.editor import wait_hint

            say(f"{file}: no change{wait_hint()}")
            _say_unresolved(file)
            return
        try:  # git or an editor may have changed it; items removed or moved are sealed again where they stand now
            write_following(file, result, original, None if original is None else follow_moves(
                file, "edit", plaintext, edits[-1]))
        except ChangedMeanwhile:
            raise _kept_aside(file, result, store, policy) from None
        except SealfileError as err:  # a disk that filled, a mount gone read-only, while the editor was open
            kept = kept_anywhere(file, result)
            if kept is None:
                raise
            raise SealfileError(f"{err.message}; your edit is kept, sealed, in {one_line(kept)}: move it over "
                                f"{one_line(str(file))} once that can be written", file=err.file) from None
    say(f"{file}: saved")
    tell_plain(file, told)
    _say_unresolved(file)


def _say_unresolved(file: Path) -> None:
    """The conflicts a merge left in ``file`` that it still holds as the merge driver left them: before the editor
    opens (which values to look at) and after (which are still to decide)."""
    from sealfile.cli.status import unresolved_lines

    for line in unresolved_lines(file):
        say(one_line(f"sealfile: {file}: {line}"))


def _kept_aside(file: Path, edit: str, store: Store, policy: signatures.TrustPolicy) -> ChangedMeanwhile:
    """Keep an edit that another program's change to ``file`` kept from being saved; the error saying where. It
    goes beside the file sealed without anyone that change removed; if it cannot be (their key service is down),
    it is kept in a directory of the user's own instead, never beside the file for them to read."""
    from sealfile.kms.base import describe_keys
    from sealfile.ops.kept_edit import without_leavers

    said = "changed by another program while you edited it, so your edit was not saved over that change; it is"
    try:
        current = io.read_text(file)
    except (OSError, SealfileError):  # gone, or unreadable now: nobody can be known to have left
        current = ""
    try:
        edit, left = without_leavers(edit, current, store, policy=policy)
    except SealfileError as err:
        kept = kept_anywhere(file, edit, beside=False)
        where = f"kept in {one_line(kept)}" if kept is not None else "lost"
        return ChangedMeanwhile(f"{said} {where}, sealed for the recipients it was opened with, as it could not be "
                                f"sealed without those that change removed ({err.message})", file=str(file))
    aside = keep_aside(file, edit)
    narrowed = f", sealed without {describe_keys(left)}, whom that change removed" if left else ""
    return ChangedMeanwhile(f"{said} sealed in {aside}{narrowed} (compare: sealfile diff {file} {aside})",
                            file=str(file))


@cli.command("set", cls=SecretArgumentCommand)
@click.argument("file", type=SEALED_FILE)
@click.argument("keypath")
@click.argument("value", required=False)
@click.option("--type", "value_type", type=click.Choice(VALUE_TYPES), default="str", show_default=True,
              help="How to read VALUE; 'yaml' parses it as YAML (a mapping or list sets a subtree).")
@click.option("--replace", is_flag=True, help="Replace a mapping or list at KEYPATH with a single value.")
@click.option("--rotate", is_flag=True, help=ROTATE_HELP)
@unseal_option
@input_type_option
def set_command(file: Path, keypath: str, value: str | None, value_type: str, replace: bool, rotate: bool,
                unseal: bool, input_type: str | None) -> None:
    """Set one value or subtree.

    Without VALUE it is read from stdin (or a hidden prompt), so it stays out of shell history.
    KEYPATH is dotted (db.hosts.0) or bracketed (["db"]["hosts"][0]), mixed as in db.hosts[0].
    A VALUE that starts with - goes after --: sealfile set FILE KEYPATH -- -VALUE.
    A YAML application tag (!secret, !Ref) on the value replaced goes with it (said on stderr).
    """
    refuse_missing("set", file, keypath, value_given=value is not None)
    refuse_dash_value(file, keypath, value)
    if value is None:
        value = (hidden_answer("value", about=f"{one_line(str(file))}: {keypath}") if sys.stdin.isatty()
                 else read_value(value_type, file, keypath))
    hot.set_value(file, keypath, value, value_type, replace, rotate, input_type, unseal)


@cli.command()
@click.argument("file", type=SEALED_FILE)
@click.argument("keypath")
@click.option("--rotate", is_flag=True, help=ROTATE_HELP)
@input_type_option
def unset(file: Path, keypath: str, rotate: bool, input_type: str | None) -> None:
    """Remove one value or subtree."""
    refuse_missing("unset", file, keypath)
    store = store_for(file, input_type)
    policy = signatures.for_file(file)
    # a list's later items move up one place, sealed again there: so does a conflict's value in dispute
    told: list[str] = []
    rewrite(file, telling_aliases(lambda text: change.unset_value(text, keypath, store, policy=policy, rotate=rotate),
                                  keypath, store, told, removes=True), follow_moves(file, "unset", keypath))
    click.echo(f"{one_line(str(file))}: {one_line(keypath)} removed", err=True)
    tell_aliases(file, keypath, told)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=SEALED_FILE)
@click.option("--adopt", is_flag=True,
              help="Also rotate files not sealed by a trusted signer, signing their values and recipients as yours "
                   "(check them first).")
@input_type_option
def rotate(files: tuple[Path, ...], adopt: bool, input_type: str | None) -> None:
    """Give files a new data key; every value re-encrypted."""
    hot.rotate(files, input_type, adopt)

"""The way in from SOPS and the way back: ``import-sops`` and ``export-sops``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from sealfile.cli.app import cli
from sealfile.cli.boundary import UsageProblem, say
from sealfile.cli.options import PATH_OR_STDIO, input_type_option, output_type_option, usage_checked
from sealfile.cli.output_names import check_destination
from sealfile.files import io
from sealfile.ops.config import trust_near
from sealfile.ops.sops_files import IMPORTED
from sealfile.stores import STORE_NAMES, fitting_name, store_for


def _write(text: str, file: Path, output: Path | None, in_place: bool, read: str) -> None:
    """``text`` to stdout, ``output``, or (``in_place``) over ``file``, which must still hold ``read``."""
    target = output or (file if in_place else io.STDIO)
    io.write_output(target, text, private=False, replacing=read if target is file else False)


Tell = Callable[[str], None]
"""Where a file's warnings and notes go: stderr for one file, the held console of its turn for several."""


def _each(files: tuple[Path, ...], output: Path | None, in_place: bool, verb: str,
          convert_one: Callable[[Path, Tell], None]) -> None:
    """One file as the single-file command always did; several (a repository's SOPS files) only with ``-i``,
    through the one behaviour of every command over several files (:mod:`sealfile.cli.batch`): each file
    converted or left as it was, a summary, the worst exit status; key services asked for several at once."""
    for file in files:
        check_destination(file, output, in_place)
    if len(files) == 1:
        convert_one(files[0], say)
        return
    if not in_place:
        raise UsageProblem(f"{verb} of several files writes each in place: add -i")
    from sealfile.cli.batch import IN_FLIGHT, for_each_file
    from sealfile.cli.console import Console

    def one(file: Path, console: Console) -> None:
        convert_one(file, lambda line: console.echo(line, err=True))

    for_each_file(files, verb, one, in_flight=IN_FLIGHT)


@cli.command("import-sops")
@click.argument("files", nargs=-1, required=True, type=PATH_OR_STDIO)
@click.option("-o", "--output", type=PATH_OR_STDIO, help="Write here instead of stdout (-).")
@click.option("-i", "--in-place", is_flag=True, help="Replace each FILE with its sealed file.")
@input_type_option
@output_type_option(STORE_NAMES, "Syntax of the sealed file [default: from the output's name, else YAML].")
@usage_checked
def import_sops(files: tuple[Path, ...], output: Path | None, in_place: bool, input_type: str | None,
                output_type: str | None) -> None:
    """Convert SOPS files to sealed files for the same recipients.

    What is and is not carried over: docs/sops-compat.md."""
    _each(files, output, in_place, "import-sops",
          lambda file, tell: _import_one(file, output, in_place, input_type, output_type, tell, len(files) > 1))


def _import_one(file: Path, output: Path | None, in_place: bool, input_type: str | None, output_type: str | None,
                tell: Tell, several: bool) -> None:
    from sealfile.ops.import_sops import import_sops as convert
    from sealfile.ops.rule_recipients import rule_expects
    from sealfile.ops.signatures import for_file

    # the written file's name picks its reader: -i writes JSON into a .json file, dotenv into a .env file
    target = store_for(output or (file if in_place else None), output_type)
    if (output or in_place) and io.names_a_file(output or file):
        fitting_name(output or file, target)
    with io.about(file), trust_near(file):
        read = io.read_text(file)
        if _import_config(file, read, output, in_place, several):
            return
        result = convert(read, path=str(file), input_type=input_type, output=target, policy=for_file(output or file),
                         expected=rule_expects(output or file))
    _write(result.sealed, file, output, in_place, read)  # first: a write that fails is its one line, no notes
    for kind in result.skipped:
        tell(f"sealfile: warning: {file}: SOPS {kind} recipients are not supported and were left out")
    for note in result.notes:
        tell(f"sealfile: warning: {file}: {note}")
    signed = " and signed as yours" if result.signed else ""
    tell(f"sealfile: note: {file}: sealed{signed} for {result.recipients}, the SOPS file's recipients; {IMPORTED}")
    written = output or (file if in_place else None)
    if written is not None and io.names_a_file(written):  # a SOPS name kept (-i) is none of sealfile's
        from sealfile.gitflow.patterns import UNGUARDED, unguarded

        if unguarded(written):
            tell(f"sealfile: warning: {written}: {UNGUARDED}")


def _import_config(file: Path, read: str, output: Path | None, in_place: bool, several: bool) -> bool:
    """A ``.sops.yaml`` given to ``import-sops``: its creation rules as a ``.sealfile.yaml`` (True if it was one);
    among ``several`` files, refused as that file's failure."""
    from sealfile.ops.sops_config import convert_config, is_sops_config
    from sealfile.ops.sops_files import is_sops_text

    if is_sops_text(read, str(file)):
        return False
    from sealfile.stores.yaml.reader import load_fast

    raw = load_fast(read)
    if not is_sops_config(raw):
        return False
    if in_place:
        why = "a .sops.yaml is converted to a new file: -o .sealfile.yaml, not -i"
        if several:
            from sealfile.errors import SealfileError

            raise SealfileError(why)
        raise click.UsageError(why)
    result = convert_config(raw, output or file.with_name(".sealfile.yaml"))
    _write(result.text, file, output, False, read)
    for note in result.notes:
        say(f"sealfile: warning: {file}: {note}")
    return True


@cli.command("export-sops")
@click.argument("files", nargs=-1, required=True, type=PATH_OR_STDIO)
@click.option("-o", "--output", type=PATH_OR_STDIO, help="Write here instead of stdout (-).")
@click.option("-i", "--in-place", is_flag=True, help="Replace each FILE with its SOPS file.")
@input_type_option
@output_type_option(("yaml", "json", "dotenv"), "Syntax of the SOPS file [default: from the output's name, else "
                    "the sealed file's].")
@usage_checked
def export_sops(files: tuple[Path, ...], output: Path | None, in_place: bool, input_type: str | None,
                output_type: str | None) -> None:
    """Write sealed files back as SOPS files.

    The same data for the same recipients, the way back to SOPS: 'sops decrypt' opens what it writes."""
    _each(files, output, in_place, "export-sops",
          lambda file, tell: _export_one(file, output, in_place, input_type, output_type, tell, len(files) > 1))


def _export_one(file: Path, output: Path | None, in_place: bool, input_type: str | None, output_type: str | None,
                tell: Tell, several: bool) -> None:
    from sealfile.ops.export_sops import export_sops as convert
    from sealfile.ops.export_sops import sops_name_fits
    from sealfile.ops.signatures import for_file
    from sealfile.sops import checked_kind

    if _export_config(file, output, in_place, several, tell):
        return
    store = store_for(file, input_type)
    kind = checked_kind(output_type or (store_for(output).name if io.names_a_file(output) else store.name))
    target = output or (file if in_place else None)
    if io.names_a_file(target):  # -, a pipe or a device has no store
        assert target is not None
        with io.about(target):
            sops_name_fits(str(target), kind)
    with io.about(file), trust_near(file):
        read = io.read_text(file)
        result = convert(read, store, kind=kind, policy=for_file(file))
    _write(result.text, file, output, in_place, read)  # first: a write that fails is its one line, no notes
    for note in result.notes:
        tell(f"sealfile: note: {file}: {note}")


def _export_config(file: Path, output: Path | None, in_place: bool, several: bool, tell: Tell) -> bool:
    """A ``.sealfile.yaml`` given to ``export-sops``: its creation rules as a ``.sops.yaml`` (True if it was one)."""
    from sealfile.errors import FormatError, SealfileError
    from sealfile.ops.sops_config_export import export_config, is_sealfile_config
    from sealfile.stores.yaml.reader import load_fast

    with io.about(file):
        read = io.read_text(file)
        try:
            raw = load_fast(read)
        except FormatError:  # not YAML of one document: not a config; the sealed file's reader says why
            return False
        if not is_sealfile_config(raw):
            return False
        if in_place:
            why = "a .sealfile.yaml is converted to a new file: -o .sops.yaml, not -i"
            if several:
                raise SealfileError(why)
            raise click.UsageError(why)
        result = export_config(read, file)
    _write(result.text, file, output, False, read)
    for note in result.notes:
        tell(f"sealfile: warning: {file}: {note}")
    return True

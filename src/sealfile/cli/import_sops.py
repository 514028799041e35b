"""``sealfile import-sops``: convert a SOPS file to a sealed file (see sealfile.ops.import_sops)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sealfile.cli.app import cli
from sealfile.files import io


@cli.command("import-sops")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.option("-i", "--in-place", is_flag=True, help="Replace FILE with the sealed file.")
def import_sops(file: Path, output: Path | None, in_place: bool) -> None:
    """Convert a SOPS file to a sealed file for the same recipients.

    SOPS YAML and JSON files with age or AWS KMS recipients; other kinds are left out, with a warning.
    """
    from sealfile.ops.import_sops import import_sops as convert

    if output and in_place:
        raise click.UsageError("use -o or -i, not both")
    with io.about(file):
        result = convert(io.read_text(file), path=str(file))
    for kind in result.skipped:
        click.echo(f"sealfile: warning: {file}: SOPS {kind} recipients are not supported and were left out", err=True)
    target = output or (file if in_place else None)
    if target is None:
        sys.stdout.write(result.sealed)
    else:
        io.write_output(target, result.sealed, private=False)

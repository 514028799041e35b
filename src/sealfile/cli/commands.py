"""keygen, encrypt, decrypt, verify, status: parse, call the library, print."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

import click

from sealfile import operations
from sealfile.cli.app import cli
from sealfile.cli.options import keys_from_options, recipient_options, rule_options, rules_from_options


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Identity file to append to [default: $SEALFILE_AGE_KEY_FILE or ~/.config/sealfile/age/keys.txt].")
def keygen(output: Path | None) -> None:
    """Create an age identity and print its public recipient."""
    from sealfile.kms.age import add_identity, default_key_file

    path = output or default_key_file()
    recipient = add_identity(path)
    click.echo(f"identity written to {path}", err=True)
    click.echo(recipient)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@recipient_options
@rule_options
@click.option("--previous", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The same file sealed earlier: keep its data key and every unchanged ciphertext.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.option("-i", "--in-place", is_flag=True, help="Replace FILE with its sealed form.")
def encrypt(file: Path, previous: Path | None, output: Path | None, in_place: bool, **params: Any) -> None:
    """Seal a plaintext YAML file for the given recipients."""
    if output and in_place:
        raise click.UsageError("use -o or -i, not both")
    keys = keys_from_options(params)
    rules = rules_from_options(params)
    previous_text = None
    if previous is not None:
        with operations.about(previous):  # a bad --previous is named as such, not as FILE
            previous_text = operations.read_text(previous)
            operations.verify_text(previous_text)
    if not keys and previous_text is None:
        raise click.UsageError("name at least one recipient (e.g. --age age1...) or --previous")
    with operations.about(file):
        sealed = operations.seal_text(operations.read_text(file), keys, rules, previous=previous_text)
    _emit(sealed, output or (file if in_place else None), private=False)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--extract", metavar="KEYPATH", help="Print only this value or subtree (a.b.0 or [\"a\"][\"b\"]).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the plaintext here (created 0600) instead of stdout.")
def decrypt(file: Path, extract: str | None, output: Path | None) -> None:
    """Print the plaintext of a sealed file (verified first)."""
    with operations.about(file):
        plaintext = operations.decrypt_text(operations.read_text(file), extract=extract)
    _emit(plaintext, output, private=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def verify(files: tuple[Path, ...]) -> None:
    """Check that each file opens and that nothing in it was altered."""
    for file in files:
        with operations.about(file):
            operations.verify_text(operations.read_text(file))
        click.echo(f"{file}: OK")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def status(file: Path) -> None:
    """Recipients, format version and values of a sealed file; needs no key."""
    with operations.about(file):
        info = operations.describe(operations.read_text(file))
    click.echo(f"file: {file}")
    click.echo(f"format version: {info.version}")
    click.echo(f"rule: {info.rules.kind} {info.rules.pattern}")
    click.echo(f"values: {info.values} ({info.encrypted} encrypted)")
    click.echo("recipients:")
    for type_id, key_id in info.recipients:
        click.echo(f"  - {type_id}: {key_id}")
    if info.set_at:
        now = time.time()
        click.echo("values last set:")
        for keypath, when in info.set_at.items():
            stamp = dt.datetime.fromtimestamp(when, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
            click.echo(f"  {keypath}: {stamp} ({_age(now - when)} ago)")


def _age(seconds: float) -> str:
    days = int(seconds // 86400)
    return f"{days}d" if days else f"{int(seconds // 3600)}h"


def _emit(text: str, output: Path | None, *, private: bool) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        operations.write_output(output, text, private=private)

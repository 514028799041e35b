"""keygen, encrypt, decrypt, verify, status: parse, call the library, print."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from sealfile.cli import flags, hot
from sealfile.cli.app import cli
from sealfile.cli.hot import DECRYPT_OUTPUT_TYPES
from sealfile.cli.options import (
    FILE_PATH,
    PATH_OR_STDIO,
    SEALED_FILE,
    SEALED_FILE_OR_STDIO,
    group_options,
    input_type_option,
    output_type_option,
    recipient_options,
    recipients_from_options,
    rule_options,
    unseal_option,
    usage_checked,
)
from sealfile.cli.status import status as show_status
from sealfile.errors import SealfileError
from sealfile.files import io
from sealfile.ops.verify import allowed_signers_for, signature_text, signed_message
from sealfile.runtime.formats import FORMATS
from sealfile.runtime.freshness import parse_age
from sealfile.stores import STORE_NAMES, store_for


@cli.command()
@click.option("-o", "--output", type=FILE_PATH,
              help="Identity file to append to [default: $SEALFILE_AGE_KEY_FILE or ~/.config/sealfile/age/keys.txt].")
def keygen(output: Path | None) -> None:
    """Create an age identity and print its public recipient."""
    from sealfile.kms.age import add_identity
    from sealfile.kms.age_identities import default_key_file

    path = output or Path(default_key_file())
    recipient = add_identity(path)
    click.echo(f"identity written to {path}", err=True)
    click.echo(recipient)


@cli.command()
@click.argument("file", type=PATH_OR_STDIO)
@recipient_options
@group_options
@rule_options
@click.option("--previous", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The same file sealed earlier: keep its data key and every unchanged ciphertext.")
@click.option("-o", "--output", type=PATH_OR_STDIO, help="Write the sealed file here [default: stdout, or -].")
@click.option("-i", "--in-place", is_flag=True, help="Replace FILE with its sealed form.")
@input_type_option
@click.option("--output-type", type=click.Choice(STORE_NAMES), default=None,
              help="Syntax of the sealed output [default: from the output's name, else the input's].")
@unseal_option
@usage_checked
def encrypt(file: Path, previous: Path | None, output: Path | None, in_place: bool, input_type: str | None,
            output_type: str | None, unseal: bool, **params: Any) -> None:
    """Seal a YAML, JSON or dotenv file (- reads stdin).

    Recipients come from the flags, else from the file's creation rule: the first match of the nearest
    .sealfile.yaml whose first match names recipients (as updatekeys and the writers' checks choose it).
    """
    hot.encrypt(file, output, in_place, input_type, output_type, recipients_from_options(params),
                flags.flag_rules(params), previous, unseal)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=SEALED_FILE_OR_STDIO)
@click.option("--extract", metavar="KEYPATH", help="Print only this value or subtree (a.b.0 or [\"a\"][\"b\"]).")
@input_type_option
@output_type_option(DECRYPT_OUTPUT_TYPES, "Output syntax [default: the one -o's file name gives (.json, .env), "
                    "else the file's own, layout kept]: yaml or json (a SOPS "
                    "file as sops decrypt --output-type prints it), dotenv or k8s-secret (flattened names such as "
                    "DATABASE_PASSWORD), ini or binary (SOPS files).")
@click.option("--format", "legacy_format", type=click.Choice(FORMATS), default=None, hidden=True)
@click.option("--name", help="metadata.name of the Kubernetes Secret (--output-type k8s-secret).")
@click.option("--namespace", help="metadata.namespace of the Kubernetes Secret (--output-type k8s-secret).")
@click.option("--prefix", default="", help="Put this in front of every flattened name (dotenv, k8s-secret).")
@click.option("--allow-env", "allow_env", multiple=True, metavar="NAME",
              help="dotenv, k8s-secret: write NAME although it changes how programs start or connect (e.g. PATH).")
@click.option("-o", "--output", type=PATH_OR_STDIO,
              help="Write the plaintext to this file (created 0600) [default: stdout, or -].")
@click.option("--portable", is_flag=True,
              help="YAML: re-spell plain scalars (yes, 012, 12:30...) so YAML 1.1 readers (PyYAML, Go yaml.v2) "
                   "read the same data; the default prints the file's own text byte for byte.")
@usage_checked
def decrypt(files: tuple[Path, ...], extract: str | None, input_type: str | None, output_type: str | None,
            legacy_format: str | None, name: str | None, namespace: str | None, prefix: str,
            output: Path | None, portable: bool, allow_env: tuple[str, ...]) -> None:
    """Print a sealed or SOPS file's plaintext (- reads stdin).

    The whole file is verified (MAC, then every value) before anything is printed.

    Several files print their values merged in order (YAML unless --output-type says otherwise): a
    later file's value replaces an earlier one's, mappings merge key by key, and each replaced value
    is named on stderr (key path and both files).
    """
    fmt = output_type or legacy_format  # --format: the old spelling of --output-type, kept for scripts
    hot.decrypt(files, extract, input_type, fmt, name, namespace, prefix, output, portable, allow_env)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=SEALED_FILE)
@input_type_option
@click.option("--keyless", is_flag=True, help="Check structure and signature only; try no key.")
@click.option("--print-signed-message", "show", flag_value="message",
              help="Print the exact bytes the signature covers (stdin of 'ssh-keygen -Y verify').")
@click.option("--print-signature", "show", flag_value="signature", help="Print the armored signature.")
@click.option("--print-allowed-signers", "show", flag_value="signers",
              help="Print the trusted signers for FILE as an OpenSSH allowed_signers file.")
def verify(files: tuple[Path, ...], input_type: str | None, keyless: bool, show: str | None) -> None:
    """Check that nothing in files was altered, and who sealed them.

    With a key: the structure, the signature if any, the MAC and every value; with trusted signers
    configured, a file they did not seal fails. Without a key (or with --keyless) the structure and the
    signature are checked and the signer is named (an unsigned file fails: nothing vouches for it)."""
    if show is not None:
        if len(files) != 1:
            raise click.UsageError(f"--print-{'allowed-signers' if show == 'signers' else show} takes one FILE")
        with io.about(files[0]):
            _print_seal_part(files[0], show, input_type)
        return
    hot.verify(files, input_type, keyless)


def _print_seal_part(file: Path, show: str, input_type: str | None) -> None:
    if show == "signers":
        sys.stdout.write(allowed_signers_for(file))
    elif show == "message":
        sys.stdout.buffer.write(signed_message(io.read_text(file), store_for(file, input_type)))
    else:
        sys.stdout.write(signature_text(io.read_text(file), store_for(file, input_type)))


def _age_option(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.timedelta | None:
    try:
        return None if value is None else parse_age(value)
    except SealfileError as err:
        raise click.BadParameter(err.message) from None


@cli.command()
@click.argument("files", nargs=-1, required=True, type=SEALED_FILE)
@click.option("--older-than", callback=_age_option, metavar="AGE",
              help="Exit 3 listing the values last set longer ago than AGE (e.g. 90d; units s, m, h, d, w).")
@click.option("--values", is_flag=True, help="List when each value was last set, not only the summary.")
@input_type_option
@usage_checked
def status(files: tuple[Path, ...], older_than: dt.timedelta | None, input_type: str | None, values: bool) -> None:
    """Show recipients, rule and when values were last set (no key).

    Sealed or SOPS files."""
    show_status(files, older_than, input_type, values)

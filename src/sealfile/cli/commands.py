"""keygen, encrypt, decrypt, verify, status: parse, call the library, print."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

import click

from sealfile.cli.app import cli
from sealfile.cli.batch import Console, for_each_file
from sealfile.cli.exit_codes import ExitCode
from sealfile.cli.options import (
    PATH_OR_STDIO,
    SEALED_FILE,
    SEALED_FILE_OR_STDIO,
    creation_defaults,
    group_options,
    input_type_option,
    output_type_option,
    recipient_options,
    recipients_from_options,
    rule_options,
    rules_from_options,
)
from sealfile.errors import SealfileError
from sealfile.files import io
from sealfile.ops import read, seal, signatures
from sealfile.ops.config import trust_near
from sealfile.ops.verify import allowed_signers_for, signature_status, signature_text, signed_message, verify_file
from sealfile.runtime.freshness import describe_age, parse_age, stale_paths
from sealfile.runtime.loader import load_secrets
from sealfile.runtime.outputs import FORMATS, render
from sealfile.stores import STORE_NAMES, store_for

DECRYPT_OUTPUT_TYPES = ("yaml", "json", "dotenv", "k8s-secret", "ini", "binary")


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Identity file to append to [default: $SEALFILE_AGE_KEY_FILE or ~/.config/sealfile/age/keys.txt].")
def keygen(output: Path | None) -> None:
    """Create an age identity and print its public recipient."""
    from sealfile.kms.age import add_identity
    from sealfile.kms.age_identities import default_key_file

    path = output or default_key_file()
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
def encrypt(file: Path, previous: Path | None, output: Path | None, in_place: bool, input_type: str | None,
            output_type: str | None, **params: Any) -> None:
    """Seal a YAML, JSON or dotenv file (- reads stdin).

    Recipients come from the flags, else from the first matching creation rule in .sealfile.yaml.
    """
    if output and in_place:
        raise click.UsageError("use -o or -i, not both")
    if in_place and io.is_stdio(file):
        raise click.UsageError("-i replaces a file: name the file, not -")
    keys = recipients_from_options(params)
    rules = rules_from_options(params)
    policy = signatures.for_file(output or file)
    reuse = None
    if previous is not None:
        with io.about(previous), trust_near(previous):  # a bad --previous is named as such, not as FILE
            reuse, previous_rules = seal.previous_seal(io.read_text(previous), store_for(previous), policy)
        rules = rules or previous_rules
    elif not keys:
        keys, rules = creation_defaults(output or file, keys, rules)
    store = store_for(file, input_type)
    named_output = output is not None and not io.is_stdio(output)
    out_store = store_for(output, output_type) if named_output or output_type else store
    with io.about(file):
        sealed = seal.seal_plaintext(io.read_text(file), store, keys, rules, reuse=reuse, output=out_store,
                                     policy=policy)
    _emit(sealed, output or (file if in_place else None), private=False, source=file)


@cli.command()
@click.argument("file", type=SEALED_FILE_OR_STDIO)
@click.option("--extract", metavar="KEYPATH", help="Print only this value or subtree (a.b.0 or [\"a\"][\"b\"]).")
@input_type_option
@output_type_option(DECRYPT_OUTPUT_TYPES, "Output syntax [default: the file's own, layout kept]: yaml or json (a SOPS "
                    "file as sops decrypt --output-type prints it), dotenv or k8s-secret (flattened names such as "
                    "DATABASE_PASSWORD), ini or binary (SOPS files).")
@click.option("--format", "legacy_format", type=click.Choice(FORMATS), default=None, hidden=True)
@click.option("--name", help="metadata.name of the Kubernetes Secret (--output-type k8s-secret).")
@click.option("--namespace", help="metadata.namespace of the Kubernetes Secret (--output-type k8s-secret).")
@click.option("--prefix", default="", help="Put this in front of every flattened name (dotenv, k8s-secret).")
@click.option("-o", "--output", type=PATH_OR_STDIO,
              help="Write the plaintext to this file (created 0600) [default: stdout, or -].")
@click.option("--portable", is_flag=True,
              help="YAML: re-spell plain scalars (yes, 012, 12:30...) so YAML 1.1 readers (PyYAML, Go yaml.v2) "
                   "read the same data; the default prints the file's own text byte for byte.")
def decrypt(file: Path, extract: str | None, input_type: str | None, output_type: str | None,
            legacy_format: str | None, name: str | None, namespace: str | None, prefix: str,
            output: Path | None, portable: bool) -> None:
    """Print a sealed or SOPS file's plaintext (- reads stdin).

    The whole file is verified (MAC, then every value) before anything is printed.
    """
    fmt = output_type or legacy_format  # --format: the old spelling of --output-type, kept for scripts
    if fmt != "k8s-secret" and (name or namespace):
        raise click.UsageError("--name and --namespace go with --output-type k8s-secret")
    if fmt == "k8s-secret" and not name:
        raise click.UsageError("--output-type k8s-secret needs --name")
    if fmt not in ("dotenv", "k8s-secret") and prefix:
        raise click.UsageError("--prefix goes with --output-type dotenv or k8s-secret")
    with io.about(file), trust_near(file):
        policy = signatures.for_file(file)
        text = io.read_text(file)
        sops_kind = read.sops_kind(text, str(file), input_type)
        own = sops_kind or store_for(file, input_type).name
        if sops_kind and (fmt is None or fmt in ("yaml", "json", "ini", "binary") or fmt == own):
            policy.enforce_unsignable("a SOPS file")
            plaintext = read.decrypt_sops(text, sops_kind, extract=extract, output_type=fmt)
        elif fmt is None or fmt == own:
            plaintext = read.decrypt_text(text, extract=extract, store=store_for(file, input_type), policy=policy,
                                          portable_output=portable)
        elif fmt in ("ini", "binary"):
            raise click.UsageError(f"--output-type {fmt} applies to SOPS files")
        else:
            data = load_secrets(file, extract=extract, redacted=False, file_type=input_type, allowed_signers=policy)
            plaintext = render(data, fmt, name=name, namespace=namespace, prefix=prefix)
    _emit(plaintext, output, private=True, source=file)


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
    """Check that files were sealed by a trusted signer and nothing in them was altered.

    Without a key (or with --keyless) the structure and the signature are checked and the signer is
    named; with a key, also the MAC and every value."""
    if show is not None:
        if len(files) != 1:
            raise click.UsageError(f"--print-{'allowed-signers' if show == 'signers' else show} takes one FILE")
        with io.about(files[0]):
            _print_seal_part(files[0], show, input_type)
        return

    def one(file: Path, console: Console) -> None:
        with io.about(file), trust_near(file):
            summary = verify_file(io.read_text(file), str(file), store_for(file, input_type), input_type,
                                  signatures.for_file(file), keyless=keyless)
        console.echo(f"{file}: {summary}")

    for_each_file(files, "verify", one)


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
@input_type_option
def status(files: tuple[Path, ...], older_than: dt.timedelta | None, input_type: str | None) -> None:
    """Show recipients, rule and value ages of sealed or SOPS files; no key."""
    shown: list[Path] = []

    def one(file: Path, console: Console) -> ExitCode:
        with io.about(file):
            text, store = io.read_text(file), store_for(file, input_type)
            sops_kind = read.sops_kind(text, str(file), input_type)
            if sops_kind is not None:
                from sealfile.cli.sops import sops_status_lines

                lines, set_at = sops_status_lines(file, text, sops_kind, older_than), {}
            else:
                info = read.describe(text, store)
                lines = _status_lines(file, info, signature_status(text, store, signatures.for_file(file)))
                set_at = info.set_at
        for line in ([""] if shown else []) + lines:
            console.echo(line)
        shown.append(file)
        return _stale(file, set_at, older_than, console) if older_than is not None else ExitCode.OK

    for_each_file(files, "status", one)


def _status_lines(file: Path, info: read.Status, signature: str) -> list[str]:
    lines = [f"file: {file}", f"format version: {info.version}", f"signature: {signature}",
             f"rule: {info.rules.kind} {info.rules.pattern}", f"values: {info.values} ({info.encrypted} encrypted)",
             *_recipient_lines(info)]
    if info.set_at:
        now = time.time()
        lines.append("values last set:")
        for keypath, when in info.set_at.items():
            stamp = dt.datetime.fromtimestamp(when, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
            lines.append(f"  {keypath}: {stamp} ({_age(now - when)} ago)")
    return lines


def _recipient_lines(info: read.Status) -> list[str]:
    if len(info.groups) == 1:
        return ["recipients:", *(f"  - {type_id}: {key_id}" for type_id, key_id in info.recipients)]
    lines = [f"recipients: any {info.threshold} of {len(info.groups)} key groups"]
    for number, group in enumerate(info.groups, 1):
        lines += [f"  group {number}:", *(f"    - {type_id}: {key_id}" for type_id, key_id in group)]
    return lines


def _stale(file: Path, set_at: dict[str, int], older_than: dt.timedelta, console: Console) -> ExitCode:
    stale = stale_paths(set_at, older_than)
    if not stale:
        return ExitCode.OK
    console.echo(f"values last set more than {describe_age(older_than)} ago:")
    for keypath in stale:
        console.echo(f"  - {keypath}")
    console.echo(f"sealfile: {file}: {len(stale)} value(s) older than {describe_age(older_than)}", err=True)
    return ExitCode.POLICY


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(max(seconds, 0))}s"


def _emit(text: str, output: Path | None, *, private: bool, source: Path) -> None:
    try:
        raw = text.encode("utf-8", "surrogateescape")  # a SOPS binary file's bytes come as surrogate escapes
    except UnicodeEncodeError:  # a value sealed with a lone surrogate: say so, print nothing of it
        raise SealfileError("the output would hold a lone surrogate, which is not UTF-8 text; nothing was written",
                            file=str(source)) from None
    io.write_output(output or io.STDIO, raw, private=private)

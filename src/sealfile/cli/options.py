"""Options shared by several commands, defined once (as pip-tools does)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sealfile.cli.boundary import UsageProblem
from sealfile.cli.envvars import Command
from sealfile.cli.flags import flag_keys, flag_param
from sealfile.cli.setup_warning import warn_if_clone_not_set_up
from sealfile.errors import ConfigError
from sealfile.kms.base import MasterKey
from sealfile.kms.groups import KeyGroups
from sealfile.kms.registry import BUILTIN, key_from_spec
from sealfile.model.metadata import MAX_GROUPS
from sealfile.model.rules import RULE_NAMES
from sealfile.stores import SOPS_ONLY_TYPES, STORE_NAMES

F = TypeVar("F", bound=Callable[..., Any])


class SealedFilePath(click.Path):
    """A sealed file argument. In a Git clone whose ``.gitattributes`` uses the sealfile drivers that this
    clone has not configured, say so once per command (git would merge such files as text)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        if isinstance(path, Path) and not (ctx and ctx.resilient_parsing):
            warn_if_clone_not_set_up(path)
        return path


# Every file argument and -o: click checks only that it is not a directory. Whether the file can be read
# (or written) is for the read or write to say: one line naming it, exit 1, as the fast path, which never
# calls click, says it. click's own check (``readable=True``) made the same unreadable file a usage error
# (exit 2, three lines) whenever click parsed the command line, and refused a -o file sealfile would replace.
class NamedFilePath(click.Path):
    """A file that is never standard input or output: ``-`` is refused, not taken as a file of that name."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "-":
            self.fail("- (standard input or output) cannot be used here: name a file (./- for one called -)",
                      param, ctx)
        return super().convert(value, param, ctx)


FILE_PATH = NamedFilePath(dir_okay=False, readable=False, path_type=Path)
"""A file argument or output that is never standard input or output."""
PATH_OR_STDIO = click.Path(dir_okay=False, readable=False, allow_dash=True, path_type=Path)
"""A plaintext input or any output: ``-`` is standard input or output."""
SEALED_FILE = SealedFilePath(dir_okay=False, readable=False, path_type=Path)


class SecretArgumentCommand(Command):
    """A command whose arguments may hold a secret (``set FILE KEY VALUE``): click would quote an unknown
    option or the extra arguments in its error, and those can be the value (``--p4ss``, or ``correct horse``
    unquoted). The error names neither."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption:
            raise click.UsageError("an argument starts with '-' but is no option of this command (a value that "
                                   "starts with '-' goes after --, or on stdin)", ctx=ctx) from None
        except click.UsageError as err:
            if "unexpected extra argument" not in err.message:
                raise
            raise click.UsageError("more arguments than the command takes (a value with spaces needs quotes, or "
                                   "give it on stdin)", ctx=ctx) from None
SEALED_FILE_OR_STDIO = SealedFilePath(dir_okay=False, readable=False, allow_dash=True, path_type=Path)
"""``-`` is standard input."""


def recipient_options(func: F) -> F:
    """``--recipient KIND:VALUE`` for every kind (plug-ins too), and one repeatable flag per built-in
    kind that has one (``--age``, ``--keyring``, ``--aws-kms``...)."""
    func = click.option(
        "--aws-context", "aws_context", multiple=True, metavar="KEY=VALUE", callback=_parse_pairs,
        help="Add KEY=VALUE to the encryption context of every --aws-kms key (repeatable).",
    )(func)
    func = click.option(
        "--recipient", "recipient_specs", multiple=True, metavar="KIND:VALUE",
        help="A recipient of any kind, plug-ins included (e.g. age:age1..., aws_kms:arn:aws:kms:...).",
    )(func)
    for spec in reversed([s for s in BUILTIN.values() if s.cli_flag]):
        assert spec.cli_flag is not None
        func = click.option(
            spec.cli_flag, flag_param(spec.cli_flag), multiple=True, metavar=spec.metavar, help=spec.help
        )(func)
    return func


def keys_from_options(params: dict[str, Any]) -> list[MasterKey]:
    try:
        keys = flag_keys(params)
    except UsageProblem as problem:
        raise click.UsageError(str(problem)) from None
    for text in params.pop("recipient_specs", ()) or ():
        try:
            keys.append(key_from_spec(text))
        except ConfigError as err:
            raise click.BadParameter(err.message, param_hint="'--recipient'") from None
    aws_context: dict[str, str] = params.pop("aws_context", None) or {}
    if aws_context:
        from sealfile.kms.aws.key import AwsKmsKey  # no boto3 import: that happens on first KMS call

        if not any(isinstance(key, AwsKmsKey) for key in keys):
            raise click.UsageError("--aws-context applies to --aws-kms keys; give at least one --aws-kms")
        keys = [key.with_context(aws_context) if isinstance(key, AwsKmsKey) else key for key in keys]
    return keys


def group_options(func: F) -> F:
    """``--key-group`` (repeatable) and ``--threshold``: recipients in key groups."""
    func = click.option("--threshold", type=click.IntRange(1, MAX_GROUPS), metavar="N",
                        help="How many of the --key-group groups it takes to open the file [default: all].")(func)
    return click.option(
        "--key-group", "key_groups", multiple=True, metavar="KIND:VALUE,...",
        help="One key group: its recipients as KIND:VALUE, comma-separated; repeat for each group.",
    )(func)


def recipients_from_options(params: dict[str, Any]) -> list[MasterKey] | KeyGroups:
    """The recipient flags as a list (any one opens the file), or ``--key-group``s with a threshold."""
    keys = keys_from_options(params)
    texts: tuple[str, ...] = params.pop("key_groups", ()) or ()
    threshold: int | None = params.pop("threshold", None)
    if not texts:
        if threshold is not None:
            raise click.UsageError("--threshold goes with --key-group")
        return keys
    if keys:
        raise click.UsageError("name recipients either in --key-group groups or with the other flags, not both")
    try:
        groups = tuple(tuple(key_from_spec(spec) for spec in text.split(",") if spec.strip()) for text in texts)
        return KeyGroups(groups, len(groups) if threshold is None else threshold)
    except ConfigError as err:
        raise click.BadParameter(err.message, param_hint="'--key-group'") from None


def _parse_pairs(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", ctx=ctx, param=param)
        pairs[name] = text
    return pairs


def rule_options(func: F) -> F:
    for name in reversed(RULE_NAMES):
        func = click.option(f"--{name.replace('_', '-')}", name, metavar="PATTERN",
                            help=f"Encryption rule: {name.replace('_', ' ')}.")(func)
    return func


def input_type_option(func: F) -> F:
    return click.option(
        "--input-type", type=click.Choice((*STORE_NAMES, *SOPS_ONLY_TYPES)), default=None,
        help="File syntax [default: from the name: .json JSON; .env, .env.enc, .env.* dotenv; else YAML; for a "
             "SOPS file as SOPS picks it: .ini is INI, another name its binary envelope].",
    )(func)


def output_type_option(choices: tuple[str, ...], help: str) -> Callable[[F], F]:
    """``--output-type``, the one way every command names the syntax it prints or writes."""
    def decorate(func: F) -> F:
        return click.option("--output-type", type=click.Choice(choices), default=None, help=help)(func)
    return decorate


def usage_checked(func: F) -> F:
    """A command whose shared body (:mod:`sealfile.cli.hot`) reports a wrong command line as
    :class:`UsageProblem`: click shows it with the command's usage, exit 2."""
    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UsageProblem as problem:
            raise click.UsageError(str(problem)) from None
    return command  # type: ignore[return-value]


def unseal_option(func: F) -> F:
    """``--unseal``: the writers write in plaintext a value the file held sealed only when told to
    (:mod:`sealfile.ops.plain_secrets`)."""
    return click.option("--unseal", is_flag=True,
                        help="Write in plaintext a value sealed before, where the file's rule leaves it so (refused "
                             "otherwise: a rule someone else sealed or pushed may do it).")(func)

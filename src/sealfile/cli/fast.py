"""The command line's fast path: the commands run most often, parsed without click.

Importing click costs a CLI start as much as the YAML parser does, so a plain invocation of
``decrypt``, ``verify``, ``status``, ``set``, ``rotate``, ``exec`` or ``encrypt`` is parsed here and runs
the same body as its click command (:mod:`sealfile.cli.hot`, :mod:`sealfile.cli.status`). Anything this parser is
not sure of (``--help``, an unknown or repeated option, ``-xVALUE`` clusters, a bad choice, a
``SEALFILE_<COMMAND>_*`` variable that click would read as an option, a prompt) goes to click
instead, which parses it again and answers as it always has: the fast path never decides what a
command line means differently. ``tests/cli/test_fast_path.py`` compares both parsers on many
lines. A usage problem the body finds while running is worded by click, with the command's usage,
but the command is not run again: a multi-file command may already have shown some files.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from sealfile.cli import flags, hot
from sealfile.cli.boundary import UsageProblem, reported
from sealfile.files.pathnames import is_dir, spelled

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any
    Parsed = tuple[str, dict[str, Any]]


class Option:
    __slots__ = ("choices", "dest", "kind")

    def __init__(self, dest: str, kind: str, choices: tuple[str, ...] = ()) -> None:
        self.dest, self.kind, self.choices = dest, kind, choices
        """``kind``: ``value``, ``path``, ``age``, ``flag`` (``off`` for its ``--no-`` twin), ``multiple``
        or ``choice``."""


class Spec:
    __slots__ = ("defaults", "interspersed", "options", "positionals")

    def __init__(self, positionals: tuple[str, ...], options: dict[str, Option], defaults: dict[str, Any],
                 interspersed: bool = True) -> None:
        self.positionals, self.options, self.defaults = positionals, options, defaults
        """``positionals``: names in order; a name ending in ``*`` takes every remaining argument (at least one)."""
        self.interspersed = interspersed
        """Options may follow positionals (``exec`` stops at its first positional, as its click command does)."""


def _input_type() -> Option:
    from sealfile.stores import SOPS_ONLY_TYPES, STORE_NAMES

    return Option("input_type", "choice", (*STORE_NAMES, *SOPS_ONLY_TYPES))


def _encrypt_spec() -> Spec:
    """``encrypt`` with each provider's own recipient flag and a rule; ``--recipient``, key groups,
    ``--aws-context`` and ``--previous`` (whose values click checks itself) go to click."""
    from sealfile.kms.registry import BUILTIN
    from sealfile.model.rules import RULE_NAMES
    from sealfile.stores import STORE_NAMES

    names = [spec.cli_flag for spec in BUILTIN.values() if spec.cli_flag]
    return Spec(("file",), {
        **{flag: Option(flags.flag_param(flag), "multiple") for flag in names},
        **{f"--{name.replace('_', '-')}": Option(name, "value") for name in RULE_NAMES},
        "-o": Option("output", "path"), "--output": Option("output", "path"),
        "-i": Option("in_place", "flag"), "--in-place": Option("in_place", "flag"),
        "--input-type": _input_type(), "--output-type": Option("output_type", "choice", STORE_NAMES),
        "--unseal": Option("unseal", "flag"),
    }, {**{flags.flag_param(flag): () for flag in names}, "recipient_specs": (), "aws_context": {}, "key_groups": (),
        "threshold": None, **dict.fromkeys(RULE_NAMES), "previous": None, "output": None, "in_place": False,
        "input_type": None, "output_type": None, "unseal": False})


def _specs() -> dict[str, Spec]:
    from sealfile.ops.values import VALUE_TYPES
    from sealfile.runtime.formats import FORMATS

    return {
        "decrypt": Spec(("files*",), {
            "--extract": Option("extract", "value"), "--input-type": _input_type(),
            "--output-type": Option("output_type", "choice", hot.DECRYPT_OUTPUT_TYPES),
            "--format": Option("legacy_format", "choice", FORMATS), "--name": Option("name", "value"),
            "--namespace": Option("namespace", "value"), "--prefix": Option("prefix", "value"),
            "-o": Option("output", "path"), "--output": Option("output", "path"),
            "--portable": Option("portable", "flag"), "--allow-env": Option("allow_env", "multiple"),
        }, {"extract": None, "input_type": None, "output_type": None, "legacy_format": None, "name": None,
            "namespace": None, "prefix": "", "output": None, "portable": False, "allow_env": ()}),
        "verify": Spec(("files*",), {"--input-type": _input_type(), "--keyless": Option("keyless", "flag")},
                       {"input_type": None, "keyless": False, "show": None}),
        "status": Spec(("files*",), {"--older-than": Option("older_than", "age"), "--input-type": _input_type(),
                                     "--values": Option("values", "flag")},
                       {"older_than": None, "input_type": None, "values": False}),
        "set": Spec(("file", "keypath", "value?"), {
            "--type": Option("value_type", "choice", VALUE_TYPES),
            "--replace": Option("replace", "flag"), "--rotate": Option("rotate", "flag"),
            "--input-type": _input_type(), "--unseal": Option("unseal", "flag"),
        }, {"value_type": "str", "replace": False, "rotate": False, "input_type": None, "value": None,
            "unseal": False}),
        "rotate": Spec(("files*",), {"--input-type": _input_type(), "--adopt": Option("adopt", "flag")},
                       {"input_type": None, "adopt": False}),
        "exec": Spec(("file", "command*"), {
            "--prefix": Option("prefix", "value"), "--extract": Option("extract", "value"),
            "--override": Option("override", "flag"), "--no-override": Option("override", "off"),
            "--allow-env": Option("allow_env", "multiple"), "--keep-key-env": Option("keep_key_env", "flag"),
            "--input-type": _input_type(),
        }, {"prefix": "", "extract": None, "override": False, "allow_env": (), "keep_key_env": False,
            "input_type": None}, interspersed=False),
    }


HOT = ("decrypt", "verify", "status", "set", "rotate", "exec", "encrypt")
PATH_PARAMS = ("file", "files", "output")
SEALED_FILES = {"decrypt": "files", "verify": "files", "status": "files", "set": "file", "rotate": "files"}
"""The arguments click reads as sealed files (:class:`sealfile.cli.options.SealedFilePath`)."""


def parse(args: list[str]) -> Parsed | None:
    """``(command, params as its click command receives them)``, or ``None``: let click parse it."""
    if not args or args[0] not in HOT or _environment_sets_options(args[0]):
        return None
    spec = _encrypt_spec() if args[0] == "encrypt" else _specs()[args[0]]
    params = dict(spec.defaults)
    seen: set[str] = set()
    positionals: list[str] = []
    rest = iter(args[1:])
    for arg in rest:
        if arg == "--" and not (positionals and not spec.interspersed):
            positionals += list(rest)
            break
        if (positionals and not spec.interspersed) or not arg.startswith("-") or arg == "-":
            positionals.append(arg)
            continue
        name, _, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        option = spec.options.get(name)
        if option is None or (option.dest in seen and option.kind != "multiple"):
            return None
        seen.add(option.dest)
        if option.kind in ("flag", "off"):
            if inline or "=" in arg:
                return None
            params[option.dest] = option.kind == "flag"
            continue
        value = inline if "=" in arg else next(rest, None)
        if value is None or (option.choices and value not in option.choices):
            return None
        if option.kind == "age":
            value = _age(value)
            if value is None:
                return None
        params[option.dest] = (*params[option.dest], value) if option.kind == "multiple" else value
    return _bind(args[0], spec, params, positionals)


def _bind(command: str, spec: Spec, params: dict[str, Any], positionals: list[str]) -> Parsed | None:
    for name in spec.positionals:
        if name.endswith("*"):
            if not positionals:
                return None
            params[name[:-1]] = tuple(positionals)
            positionals = []
        elif name.endswith("?"):
            if positionals:
                params[name[:-1]] = positionals.pop(0)
        elif positionals:
            params[name] = positionals.pop(0)
        else:
            return None
    if positionals:
        return None
    for name in PATH_PARAMS:  # click.Path(dir_okay=False): a directory is a usage error click words
        value = params.get(name)
        if value is None:
            continue
        # click passes Path objects: strings spelled as str(Path(name)) print and open the same names
        paths = tuple(map(spelled, value)) if isinstance(value, tuple) else spelled(value)
        if any(map(is_dir, paths if isinstance(paths, tuple) else (paths,))):
            return None
        params[name] = paths
    return command, params


def _environment_sets_options(command: str) -> bool:
    """click reads ``SEALFILE_<COMMAND>_<OPTION>`` (``auto_envvar_prefix``) and ``SEALFILE_DEBUG``."""
    prefix = f"SEALFILE_{command.upper()}_"
    return any(name.startswith(prefix) or name == "SEALFILE_DEBUG" for name in os.environ)


def _runner(command: str, params: dict[str, Any]) -> Callable[[], None] | None:
    """The body to run with these parameters, or ``None`` where only click can go on."""
    if command == "decrypt":
        fmt = params.pop("output_type") or params.pop("legacy_format")
        params.pop("legacy_format", None)
        return lambda: hot.decrypt(output_type=fmt, **params)
    if command == "verify":
        params.pop("show")
        return lambda: hot.verify(**params)
    if command == "status":
        from sealfile.cli.status import status

        return lambda: status(**params)
    if command == "rotate":
        return lambda: hot.rotate(**params)
    if command == "encrypt":
        for unused in ("recipient_specs", "aws_context", "key_groups", "threshold", "previous"):
            params.pop(unused)

        def encrypt() -> None:
            keys, rules = flags.flag_keys(params), flags.flag_rules(params)
            hot.encrypt(keys=keys, rules=rules, **params)

        return encrypt
    if command == "set":
        if params["value"] is None and sys.stdin.isatty():
            return None  # click prompts, hiding the input

        def set_value() -> None:  # the value is read here, inside the error boundary
            from sealfile.cli.writes import read_value, refuse_dash_value, refuse_missing

            refuse_missing("set", params["file"], params["keypath"], value_given=params["value"] is not None)
            refuse_dash_value(params["file"], params["keypath"], params["value"])
            if params["value"] is None:
                params["value"] = read_value(params["value_type"], params["file"], params["keypath"])
            hot.set_value(**params)

        return set_value
    file, command_words = params.pop("file"), params.pop("command")

    def run_command() -> None:  # split inside the error boundary: a wrong split is a usage problem
        files, command_line = hot.split_exec_args(file, command_words)
        hot.exec_files(files, command=command_line, **params)

    return run_command


def _age(value: str) -> Any:
    """``--older-than``'s value as its click callback reads it; ``None`` if click must word the error."""
    from sealfile.errors import SealfileError
    from sealfile.runtime.freshness import parse_age

    try:
        return parse_age(value)
    except SealfileError:
        return None


def _warn_about_clones(command: str, params: dict[str, Any]) -> None:
    """What click's sealed-file arguments say while parsing, in the same order."""
    from sealfile.cli.setup_warning import warn_if_clone_not_set_up

    value = params[SEALED_FILES[command]]
    for path in value if isinstance(value, tuple) else (value,):
        warn_if_clone_not_set_up(path)


def run(args: list[str]) -> bool:
    """Run a hot command without click; ``False`` (nothing done) if click must handle ``args``."""
    parsed = parse(args)
    if parsed is None:
        return False
    if parsed[0] in SEALED_FILES:
        _warn_about_clones(*parsed)
    runner = _runner(*parsed)
    if runner is None:
        return False
    try:
        with reported(debug=False, passthrough=(UsageProblem,)):
            runner()
    except UsageProblem as problem:
        _report_usage(args[0], problem)
    return True


def _report_usage(command: str, problem: UsageProblem) -> None:
    """Exit 2 with ``problem`` worded exactly as click's path words a usage error of ``command``."""
    from sealfile.cli.app import cli
    from sealfile.cli.usage_errors import OneLineUsageError

    parent = cli.make_context("sealfile", [command], resilient_parsing=True)
    found = cli.get_command(parent, command)
    assert found is not None  # the fast path runs only commands click has
    error = OneLineUsageError(str(problem), found.make_context(command, [], parent=parent, resilient_parsing=True))
    error.show()
    sys.exit(error.exit_code)

"""What the commands run most often do: ``decrypt``, ``verify``, ``set``, ``rotate``, ``exec`` and ``encrypt``
(``status``: :mod:`sealfile.cli.status`). Each function is a command's body, called by its click command and by
the fast path (:mod:`sealfile.cli.fast`) alike, so both mean the same. Nothing here imports click: a CI job or
a start-up script that runs ``sealfile decrypt`` pays for the modules that decrypt, not for the command-line
library. Imports sit in the functions that use them for the same reason. A wrong command line raises
:class:`UsageProblem`; click reports it. Files come as click's ``Path`` objects or as the fast path's strings
spelled the same way (:mod:`sealfile.files.pathnames`), so both print the same names.
"""

from __future__ import annotations

from sealfile.cli import flags
from sealfile.cli.boundary import UsageProblem, say
from sealfile.cli.output_names import check_env_options, named_syntax
from sealfile.errors import SealfileError, one_line
from sealfile.files.pathnames import PathName, spelled

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from sealfile.kms.base import MasterKey
    from sealfile.kms.groups import KeyGroups
    from sealfile.model.rules import EncryptionRules

DECRYPT_OUTPUT_TYPES = ("yaml", "json", "dotenv", "k8s-secret", "ini", "binary")
MERGED_OUTPUT_TYPES = ("yaml", "json", "dotenv", "k8s-secret")
KEPT_FROM_LEAVERS = ("--previous keeps its data key, and some who could open it cannot with the recipients now "
                     "named (or need more key groups): they may have kept that key; run 'sealfile rotate' on the "
                     "result so they cannot read values set later")


def decrypt(files: tuple[PathName, ...], extract: str | None, input_type: str | None, output_type: str | None,
            name: str | None, namespace: str | None, prefix: str, output: PathName | None, portable: bool,
            allow_env: tuple[str, ...] = ()) -> None:
    """Print (or write to ``output``) the plaintext of one file, or several files' merged values (in
    ``output_type``'s syntax, else the one ``output``'s name gives, else the file's own)."""
    named, fmt = named_syntax(output, output_type, extract), output_type
    if fmt != "k8s-secret" and (name or namespace):
        raise UsageProblem("--name and --namespace go with --output-type k8s-secret")
    flags.check_option_values(prefix=prefix, extract=extract, k8s=(name, namespace) if fmt == "k8s-secret" else None)
    check_env_options(fmt or named, files, input_type, prefix, allow_env)
    if sum(str(file) == "-" for file in files) > 1:
        raise UsageProblem("- (standard input) can be read once")
    from sealfile.ops.read import refuse_sealed_output

    refuse_sealed_output(output, files)
    if len(files) > 1:
        if fmt not in (None, *MERGED_OUTPUT_TYPES):
            raise UsageProblem(f"--output-type {fmt} takes one FILE")
        fmt = fmt or named or "yaml"
        plaintext = _merged_plaintext(files, extract, input_type, fmt, name, namespace, prefix, allow_env)
    else:
        plaintext = plaintext_of(files[0], extract, input_type, fmt, name, namespace, prefix, portable, allow_env,
                                 named)
    from sealfile.files import io

    io.emit(plaintext, output, private=True, sources=files)


def plaintext_of(file: PathName, extract: str | None, input_type: str | None, fmt: str | None, name: str | None = None,
                 namespace: str | None = None, prefix: str = "", portable: bool = False,
                 allow_env: tuple[str, ...] = (), named: str | None = None) -> str:
    from sealfile.files import io
    from sealfile.ops import read, signatures
    from sealfile.ops.config import trust_near
    from sealfile.stores import store_for

    with io.about(file), trust_near(file):
        policy = signatures.for_file(file)
        text = io.read_text(file)
        sops_kind = read.sops_kind(text, str(file), input_type)
        own = sops_kind or store_for(file, input_type).name
        fmt = fmt or (named if named != own else None)  # the output file's name, where it says another syntax
        if sops_kind and (fmt is None or fmt in ("yaml", "json", "ini", "binary") or fmt == own):
            policy.enforce_unsignable("a SOPS file")
            shown = str(read.decrypt_sops(text, sops_kind, extract=extract, output_type=fmt))
            if (fmt or sops_kind) == "dotenv" and extract is None:
                from sealfile.runtime.environment import dotenv_for_an_environment
                return dotenv_for_an_environment(shown, allow_env, sops=True)
            if portable and extract is None and (fmt or sops_kind) == "yaml":
                from sealfile.stores.yaml.portable import portable as respelled

                return respelled(shown)  # as for a sealed file: what YAML 1.1 readers read is the data
            return shown
        if fmt is None or (fmt == own and fmt != "dotenv"):  # dotenv output: load_env's names, --prefix applied
            names: list[str] = []
            shown = read.decrypt_text(text, extract=extract, store=store_for(file, input_type), policy=policy,
                                      portable_output=portable, keys=names)
            if own == "dotenv" and extract is None:  # its names become variables, as -t dotenv's do
                from sealfile.runtime.environment import dotenv_for_an_environment
                return dotenv_for_an_environment(shown, allow_env, names=names)
            return shown
        if fmt == "binary":  # a sealed file's data is keys and values; INI is rendered from them
            raise UsageProblem("--output-type binary applies to SOPS files")
        if fmt == "ini" and extract is None:  # with the file's comments, as sops decrypt showed them
            return read.sealed_ini(text, store_for(file, input_type), policy)
        from sealfile.runtime.loader import opened_values

        values = opened_values(text, file, policy, extract=extract, file_type=input_type)  # read once: - is a pipe
    return _rendered(values, (file,), fmt, name, namespace, prefix, allow_env, extract)


def _merged_plaintext(files: tuple[PathName, ...], extract: str | None, input_type: str | None, fmt: str,
                      name: str | None, namespace: str | None, prefix: str, allow_env: tuple[str, ...]) -> str:
    from sealfile.cli.merged import merged_values

    return _rendered(merged_values(files, extract, input_type), files, fmt, name, namespace, prefix, allow_env, extract)


def _rendered(values: object, files: tuple[PathName, ...], fmt: str, name: str | None, namespace: str | None,
              prefix: str, allow_env: tuple[str, ...], extract: str | None) -> str:
    from sealfile.cli.rendered import render_noted
    from sealfile.files.io import about

    if fmt in ("yaml", "json") and not isinstance(values, (dict, list)):
        from sealfile.ops.read import extracted_scalar  # one value prints alike from every file and syntax

        return extracted_scalar(values)
    with about(label := " + ".join(map(str, files))):
        return render_noted(values, fmt, label, extract, name=name, namespace=namespace, prefix=prefix,
                            allow_env=allow_env)


def encrypt(file: PathName, output: PathName | None, in_place: bool, input_type: str | None, output_type: str | None,
            keys: list[MasterKey] | KeyGroups, rules: EncryptionRules | None, previous: PathName | None = None,
            unseal: bool = False) -> None:
    """Seal ``file`` for ``keys`` (none: the creation rule's), keeping ``previous``'s data key and
    unchanged tokens if given; print it, or write it to ``output`` or (``in_place``) over ``file``. A value
    ``previous`` held sealed is not written in plaintext unless ``unseal``; a new secret in plaintext is told."""
    from sealfile.cli.output_names import check_destination
    from sealfile.cli.syntax_hint import with_dotenv_hint
    from sealfile.cli.writes import tell_plain
    from sealfile.errors import FormatError
    from sealfile.files import io
    from sealfile.ops import seal, signatures
    from sealfile.ops.config import trust_near
    from sealfile.ops.plain_secrets import guard
    from sealfile.ops.read import refuse_sealing_over
    from sealfile.stores import fitting_name, store_for

    check_destination(file, output, in_place)
    refuse_sealing_over(output, previous)
    sealed_name = output if output is not None and io.names_a_file(output) else file  # '-o -': still FILE
    policy = signatures.for_file(sealed_name)
    reuse, was, told = None, None, list[str]()  # was: which values --previous held sealed (the guard's)
    if previous is not None:
        with io.about(previous), trust_near(previous):  # a bad --previous is named as such, not as FILE
            reuse, previous_rules, was = seal.previous_seal(io.read_text(previous), store_for(previous), policy,
                                                            previous)
        rules = rules or previous_rules
    else:
        keys, rules = creation_defaults(sealed_name, keys, rules)
    store = store_for(file, input_type)
    out_store = store_for(output, output_type) if io.names_a_file(output) or output_type else store
    written = output or (file if in_place else None)
    if written is not None and io.names_a_file(written):
        fitting_name(written, out_store)
    with io.about(file):
        plaintext = io.read_text(file)
        if not plaintext and not io.names_a_file(file):  # a pipe, whose producer may have failed
            raise SealfileError("the input is empty (did the command before the pipe fail?): nothing was written; "
                                "to start an empty sealed file, encrypt an empty file")
        seal.refuse_to_seal(plaintext, store, None if io.is_stdio(file) else str(file))  # as SOPS names its store
        try:
            read = seal.sealed_version(plaintext, store, keys, rules, reuse=reuse, output=out_store, policy=policy)
        except FormatError as err:
            raise with_dotenv_hint(err, plaintext, store.name, input_type) from None
        sealed = guard([was], read, out_store, unseal=unseal, plain=told.append)
    io.emit(sealed, written, private=False, sources=(file,), replacing=plaintext if in_place else None)
    tell_plain(written or file, told)
    if reuse is not None and keys and reuse.strands_holders(keys):
        say(f"sealfile: warning: {one_line(str(previous))}: {KEPT_FROM_LEAVERS}")


def creation_defaults(file: PathName, keys: list[MasterKey] | KeyGroups, rules: EncryptionRules | None
                      ) -> tuple[list[MasterKey] | KeyGroups, EncryptionRules | None]:
    """A new sealed file's recipients and value rule: each from the flags, else its rule's (``choose_rule``)."""
    from sealfile.ops.rule_recipients import rule_for_file, without_recipients

    rule = choice.rule if (choice := rule_for_file(file)) is not None else None
    rules = rules or (rule.rules if rule is not None else None)
    if keys:
        return keys, rules
    if rule is None or rule.recipients is None:
        from sealfile.kms.age import own_recipient
        mine = own_recipient()
        example = f"--age {mine}, your own key" if mine else "--age age1..., from 'sealfile keygen'"
        raise UsageProblem(f"{without_recipients(choice, file)}: name recipients (e.g. {example}) or add a "
                           "creation rule naming them")
    return rule.recipients, rules


def verify(files: tuple[PathName, ...], input_type: str | None, keyless: bool) -> None:
    """One line per file: who sealed it and that nothing in it was altered (every file tried, see batch)."""
    from sealfile.cli.batch import for_each_file
    from sealfile.cli.console import Console
    from sealfile.files import io
    from sealfile.ops import signatures
    from sealfile.ops.config import trust_near
    from sealfile.ops.verify import verify_file
    from sealfile.stores import store_for

    def one(file: PathName, console: Console) -> None:
        with io.about(file), trust_near(file):
            summary = verify_file(io.read_text(file), str(file), store_for(file, input_type), input_type,
                                  signatures.for_file(file), keyless=keyless)
        console.echo(f"{one_line(str(file))}: {summary}")

    for_each_file(files, "verify", one)


def set_value(file: PathName, keypath: str, value: str, value_type: str, replace: bool, rotate: bool,
              input_type: str | None, unseal: bool = False) -> None:
    """Set one value (``value`` as the user gave it, read as ``value_type``), writing only if it changed.

    A mapping or list at ``keypath`` is replaced only with ``replace`` or by a mapping or list, so a
    ``set`` cannot drop a subtree by mistake (``--type yaml`` of ``5`` neither)."""
    from sealfile.cli.writes import follow_moves, rewrite, tell_aliases, tell_plain
    from sealfile.files import io
    from sealfile.ops import change, signatures
    from sealfile.ops.alias_effects import telling_aliases
    from sealfile.ops.values import parse_value, set_as_text_warnings
    from sealfile.stores import store_for

    with io.about(file):
        typed = parse_value(value, value_type, keypath)
    store, policy = store_for(file, input_type), signatures.for_file(file)
    replaced: list[object] = []
    over: list[object] = []  # a list or mapping set whole, sealed afresh: a conflict's value in dispute follows
    told, tags, plain = list[str](), list[str](), list[str]()  # paths changed through aliases; a tag set over
    changed = rewrite(file, telling_aliases(lambda text: change.set_value(
        text, keypath, typed, store, policy=policy, rotate=rotate, replace=replace, replacing=replaced.append,
        over=over.append, untag=tags.append, unseal=unseal, plain=plain.append), keypath, store, told),
        follow_moves(file, "set", keypath, over, typed))
    say(f"{one_line(str(file))}: {one_line(keypath)} {'set' if changed else 'unchanged'}")
    tell_plain(file, plain if changed else [])
    tell_aliases(file, keypath, told)
    for warning in set_as_text_warnings(value, value_type, replaced, tags) if changed else ():
        say(f"sealfile: warning: {one_line(str(file))}: {one_line(keypath)}: {warning}")
    if changed and store.name == "dotenv" and isinstance(typed, str):
        from sealfile.stores.dotenv_lines import shared_spelling

        if shared_spelling(typed) is None:
            say(f"sealfile: warning: {one_line(str(file))}: {one_line(keypath)}: no dotenv spelling of this value "
                "reads alike to python-dotenv and to a shell sourcing the decrypted file (a carriage return, a NUL, "
                "${...}, or ' or \\ with $ or `): written as python-dotenv reads it")


def rotate(files: tuple[PathName, ...], input_type: str | None, adopt: bool = False) -> None:
    """Give each file a new data key, every value re-encrypted (files in flight together: see batch);
    a file not sealed by a trusted signer only with ``adopt``."""
    from sealfile.cli.batch import IN_FLIGHT, for_each_file
    from sealfile.cli.console import Console
    from sealfile.cli.writes import rewrite
    from sealfile.ops import change, signatures
    from sealfile.stores import store_for

    def one(file: PathName, console: Console) -> None:
        store = store_for(file, input_type)
        policy = signatures.for_file(file)
        changed = rewrite(file, lambda text: change.rotate(text, store, policy=policy, adopt=adopt))
        console.echo(f"{one_line(str(file))}: {'rotated' if changed else 'unchanged'}", err=True)

    for_each_file(files, "rotate", one, in_flight=IN_FLIGHT)


def exec_files(files: tuple[PathName, ...], prefix: str, extract: str | None, override: bool,
               allow_env: tuple[str, ...], keep_key_env: bool, input_type: str | None,
               command: tuple[str, ...]) -> None:
    """Replace this process with ``command``, the files' merged values in its environment."""
    from sealfile.cli.execute import replace_process
    from sealfile.cli.merged import merged_variables
    from sealfile.runtime.environment import child_environment

    if not command:
        raise UsageProblem("name the command to run after --")
    flags.check_option_values(prefix=prefix, extract=extract)
    variables = merged_variables(files, extract, input_type, prefix, allow_env)
    replace_process(command, child_environment(variables, override=override, keep_key_material=keep_key_env))


def split_exec_args(file: PathName, rest: tuple[str, ...]) -> tuple[tuple[PathName, ...], tuple[str, ...]]:
    """``exec FILE [FILE...] -- COMMAND...``: files stand before the first ``--`` when one follows
    them; without ``--`` (or with it right after FILE) FILE is the one file and the rest the command.
    The other files are spelled as FILE is (``str(Path(name))``), so messages name them alike."""
    if "--" in rest and rest[0] != "--":
        cut = rest.index("--")
        refuse_options_after_file("exec", rest[:cut])
        return (file, *map(spelled, rest[:cut])), rest[cut + 1:]
    refuse_options_after_file("exec", rest[:1])
    return (file,), rest[1:] if rest[:1] == ("--",) else rest


def refuse_options_after_file(command: str, args: tuple[str, ...]) -> None:
    """Options stand before FILE (what follows it is the command's): one after it was taken as a file or as
    the program to run (``--prefix: command not found``)."""
    for arg in args:
        if arg.startswith("-") and arg not in ("-", "--"):
            raise UsageProblem(f"{arg.partition('=')[0]} after FILE: options go before it "
                               f"(sealfile {command} [OPTIONS] FILE -- COMMAND)")

"""Every ``sealfile ...`` command line the documentation shows parses with the current command line, and every
``--option`` it names is one of sealfile's or a named other tool's.

Where docs drift from the code: a renamed or removed option, a choice that is gone (``--output-type ini``), a
subcommand moved. tests/test_readme.py runs the README's snippets; this reads everything else the docs say
(docs/*.md, the examples' READMEs, inline ``sealfile ...`` spans in prose) and parses each line without running
it. A command line may leave out its arguments (prose names ``sealfile edit`` alone) and may hold placeholders
(``FILE...``, ``age1...``, ``[-o OUT | -i]``).
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from sealfile.cli.app import cli
from tests.support.markdown import FENCE, fences

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "examples").rglob("*.md")])
SHELL = {"sh", "bash", "shell", "console"}
NOT_COMMANDS = {"sealfile v2 file mac", "sealfile COMMAND --help"}
"""Spans that start with the word and are not command lines: a MAC info string, the generic help line."""
OTHER_TOOLS_FLAGS = {
    # git, pre-commit, gpg, tar, make, docker, gunicorn, sops, flask, mypy, ripgrep, kubectl,
    # the benchmarks' and editors' own
    "--abort", "--continue", "--skip", "--squash", "--rebase", "--hard", "--ours", "--theirs", "--no-verify",
    "--depth", "--unshallow", "--filter", "--git-path", "--ext-diff", "--no-ext-diff", "--no-textconv",
    "--word-diff", "--init", "--hook-stage", "--symmetric", "--throw-keyids", "--decrypt", "--checkpoint",
    "--checkpoint-action", "--eval", "--env-file", "--preload", "--add-age", "--no-fifo", "--app", "--strict",
    "--quick", "--wait", "--help", "--pre", "--from-file", "--filename-override", "--no-checkout",
}


def _markdown(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """(line, text, fence language) for each line, None outside fences."""
    language: str | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        opening = FENCE.match(line)
        if opening:
            language = None if language is not None else opening.group("lang")
            continue
        yield number, line, language


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:{line}"


def command_lines(path: Path) -> list[tuple[str, str]]:
    """(where, command line) for each ``sealfile`` line of a shell fence and each ``sealfile ...`` code span."""
    found: list[tuple[str, str]] = []
    prose: list[tuple[int, str]] = []
    for number, line, language in _markdown(path):
        if language is None:
            prose.append((number, line))
        elif language in SHELL:
            for part in re.split(r"[|;&()]", line.split(" #", 1)[0]):
                if part.strip().startswith("sealfile "):
                    found.append((_where(path, number), part.strip().rstrip("\\").strip()))
    text = "\n".join(f"\x00{n}\x00{line}" for n, line in prose)
    for span in re.finditer(r"`(\x00\d+\x00)?(sealfile [^`]*)`", text.replace("\n\x00", "\x00")):
        number = re.findall(r"\x00(\d+)\x00", text[:span.start() + 1])
        line = " ".join(re.sub(r"\x00\d+\x00", " ", span.group(2)).replace("\\|", "|").split())  # \| in a table
        for part in re.split(r" [|;&] ", line):
            if part not in NOT_COMMANDS and part.startswith("sealfile "):
                found.append((_where(path, int(number[-1]) if number else 0), part))
    return found


def _without_placeholders(line: str) -> list[str]:
    """The words, with ``[...]`` groups left out, ``A|B`` as ``A`` and ``X...`` as ``X``."""
    line = re.sub(r"\$\w+|\$\{\w+\}", "x", line)
    while re.search(r"\[[^][]*\]", line):
        line = re.sub(r"\s*\[[^][]*\]", "", line)
    return [word.split("|")[0].removesuffix("...") or "x" for word in shlex.split(line, comments=True)[1:]]


def parse_problem(words: list[str]) -> str | None:
    """Why click refuses ``sealfile WORDS``, or None; a missing argument, a file that is not there and an
    option named last without its value (prose: ``sealfile diff --git``) are no problem here."""
    try:
        ctx = cli.make_context("sealfile", list(words))
        while isinstance(ctx.command, click.Group) and ctx._protected_args:
            name, *rest = [*ctx._protected_args, *ctx.args]
            command = ctx.command.get_command(ctx, name)
            if command is None:
                return f"no command {name!r}"
            ctx = command.make_context(name, rest, parent=ctx)
    except click.exceptions.Exit:
        return None
    except (click.MissingParameter, click.exceptions.NoArgsIsHelpError):
        return None
    except click.UsageError as err:
        message = err.format_message()
        if "does not exist" in message or (words and f"'{words[-1]}' requires an argument" in message):
            return None
        return message
    return None


ALL = [(where, line) for path in DOCS for where, line in command_lines(path)]


def test_the_docs_show_command_lines() -> None:
    assert len(ALL) > 150
    shown_in = {where.split(":")[0] for where, _ in ALL}
    assert shown_in >= {"README.md", "docs/git.md", "docs/sops-compat.md", "examples/flask_app/README.md"}


def test_the_extractor_reads_fences_spans_and_placeholders(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("Run `sealfile diff\n--git REV` or `sealfile v2 file mac`.\n```sh\nx && sealfile check a  # c\n"
                    "git show :3:f | sealfile decrypt -\n```\n```text\nsealfile: error: x\n```\n")
    assert command_lines(page) == [("page.md:4", "sealfile check a"), ("page.md:5", "sealfile decrypt -"),
                                   ("page.md:1", "sealfile diff --git REV")]
    assert _without_placeholders("sealfile export-sops FILE... [-o OUT | -i] --output-type yaml|json") == [
        "export-sops", "FILE", "--output-type", "yaml"]
    assert parse_problem(["decrypt", "--output-type", "xml", "f"]) is not None
    assert parse_problem(["decrypt", "--no-such-option", "f"]) is not None
    assert parse_problem(["no-such-command"]) is not None
    assert parse_problem(["git", "install", "--global"]) is None


@pytest.mark.parametrize("where, line", ALL, ids=[f"{where} {line[:60]}" for where, line in ALL])
def test_each_documented_command_line_parses(where: str, line: str) -> None:
    assert parse_problem(_without_placeholders(line)) is None, f"{where}: {line}"


def _every_option(command: click.Command, ctx: click.Context) -> Iterator[str]:
    for param in command.params:
        yield from (*param.opts, *param.secondary_opts)
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _every_option(sub, ctx)


def test_every_long_option_the_docs_name_is_sealfiles_or_another_tools() -> None:
    ours = set(_every_option(cli, click.Context(cli)))
    unknown = sorted({f"{_where(path, n)}: {flag}" for path in DOCS for n, line, _ in _markdown(path)
                      for flag in re.findall(r"(?<![\w-])--[a-z][\w-]*[a-z]", line)
                      if flag not in ours and flag not in OTHER_TOOLS_FLAGS})
    assert unknown == [], "a renamed or removed option (or add another tool's flag to OTHER_TOOLS_FLAGS)"


def _commands(command: click.Command, ctx: click.Context, path: str = "sealfile") -> Iterator[
        tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _commands(sub, ctx, f"{path} {name}")


def test_every_command_and_option_is_named_in_the_docs() -> None:
    """The other way round: a command or option no page names is one a reader of the docs never finds
    (``--help`` has it, by tests/cli/test_help_and_completion.py). An option counts when any of its flags
    (``-i`` for ``--in-place``) is named."""
    text = "\n".join(path.read_text(encoding="utf-8") for path in DOCS)

    def named(flag: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None

    def command_named(path: str) -> bool:  # `edit`, sealfile git install, recipients list|add|remove
        *parents, name = path.split()
        listed = rf"{re.escape(parents[-1])} [\w|/`-]*\b{name}(?![\w-])"
        return f"`{name}`" in text or re.search(listed, text) is not None

    missing = [path for path, _ in _commands(cli, click.Context(cli)) if path != "sealfile" and not command_named(path)]
    missing += [f"{path} {param.opts[0]}" for path, command in _commands(cli, click.Context(cli))
                for param in command.params if isinstance(param, click.Option)
                and not any(named(flag) for flag in (*param.opts, *param.secondary_opts))]
    assert missing == []


REPOSITORY_PATH = r"`((?:\./)?[\w./-]+\.(?:py|sh)|(?:src|tests|scripts|benchmarks|examples)/[\w./-]*)`"


def test_every_module_script_and_repository_path_the_docs_name_exists() -> None:
    """``cipher.py``, ``tests/kms/contract.py``, ``scripts/demo.sh``: a module moved or renamed leaves the
    architecture and security pages pointing at nothing. A bare name counts if any file has it."""
    files = [path.relative_to(ROOT).as_posix() for path in ROOT.rglob("*")
             if ".git" not in path.parts and ".venv" not in path.parts]
    names = {name.rsplit("/", 1)[-1] for name in files}
    missing = []
    for path in DOCS:
        for number, line, _ in _markdown(path):
            for named in re.findall(REPOSITORY_PATH, line):
                named = named.removeprefix("./")
                if named not in names and not any(name.startswith(named) or name.endswith("/" + named)
                                                  for name in files):
                    missing.append(f"{_where(path, number)}: {named}")
    assert missing == []


def test_every_choice_the_docs_give_an_option_is_one_it_takes() -> None:
    """`--output-type dotenv` in prose, outside a whole command line: a choice renamed or dropped. Upper case is a
    placeholder (`--output-type T`); README's example of a usage error gives `--type date` on purpose."""
    choices: dict[str, set[str]] = {}
    for _, command in _commands(cli, click.Context(cli)):
        for param in command.params:
            if isinstance(param.type, click.Choice):
                for flag in param.opts:
                    choices.setdefault(flag, set()).update(str(choice) for choice in param.type.choices)
    assert {"--output-type", "--input-type", "--format", "--type"} <= set(choices)
    wrong = [f"{_where(path, number)}: {flag} {value}" for path in DOCS for number, line, _ in _markdown(path)
             for flag, value in re.findall(r"(--[\w-]+)[ =]([a-z][\w-]*)", line)
             if flag in choices and value not in choices[flag] and f"{flag} {value}" != "--type date"]
    assert wrong == []


def test_every_extra_is_the_one_the_docs_and_the_registry_name() -> None:
    """`pip install 'sealfile[NAME]'`: each extra a page names exists, each one for users (not `test`) is named,
    and each provider's own extra (the hint when its SDK is missing) is one of them."""
    from sealfile.kms.registry import BUILTIN

    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = project.split("[project.optional-dependencies]\n", 1)[1].split("\n[", 1)[0]
    extras = set(re.findall(r"^([\w-]+) = ", section, re.MULTILINE)) - {"test"}
    named = {name for path in DOCS for name in re.findall(r"sealfile\[([\w-]+)\]", path.read_text(encoding="utf-8"))}
    assert named == extras
    assert {spec.extra for spec in BUILTIN.values() if spec.extra} <= extras


def _resolves(dotted: str) -> bool:
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


def _key_path_or_host(name: str) -> bool:
    """`sealfile.recipients.0` (a metadata key path, as errors name them), `x.sealfile.vault.azure.net`."""
    from sealfile.model import metadata

    return name.split(".")[1] in metadata._KNOWN_FIELDS_V2 or name.endswith((".net", ".com"))


def test_every_python_name_and_keyword_the_docs_give_exists() -> None:
    """`sealfile.forget_data_keys()`, `sealfile.kms.base.MasterKey`, `load_secrets(..., allowed_signers=...)`:
    each name a code span or Python example gives resolves, and each keyword is a parameter of its function."""
    import inspect

    import sealfile

    missing = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        spans = re.findall(r"`([^`\n]+)`", text) + [f.text for f in fences(text) if f.language in ("python", "py")]
        for span in spans:
            missing += [f"{_where(path, 0)}: {name}" for name in re.findall(r"(?<![\w/.-])sealfile(?:\.[A-Za-z_]\w*)+",
                                                                              span)
                        if not _resolves(name) and not _key_path_or_host(name)]
            for function, arguments in re.findall(r"\b(load_secrets|load_env)\(([^()]*)\)", span):
                taken = inspect.signature(getattr(sealfile, function)).parameters
                missing += [f"{_where(path, 0)}: {function}({keyword}=)"
                            for keyword in re.findall(r"(\w+)=", arguments) if keyword not in taken]
    assert missing == []


def test_the_readme_names_every_package_scripts_test_sh_installs() -> None:
    """A fresh machine's set-up (needs root or sudo): the README's line says what it will install."""
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    packages = {name for group in re.findall(r"need\+=\(([^)]*)\)", script) for name in group.split()}
    line = next(line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
                if line.startswith("./scripts/test.sh"))
    assert len(packages) >= 8 and sorted(name for name in packages if name not in line) == []

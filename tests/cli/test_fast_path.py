"""The click-free fast path: it parses a command line as click does, or leaves it to click, and
the commands people run most load only what they use."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from sealfile.cli import fast
from sealfile.cli.app import COMMAND_MODULE, COMMAND_MODULES, _import_commands, cli
from sealfile.kms.age import AgeKey
from sealfile.stores.yaml.scan_check import CHECK_VARIABLE
from tests.support.cli import cli_env, run_cli, run_python
from tests.support.fast_path import age_key, benchmark_corpus, seal

__all__ = ["age_key"]

# Command lines the fast path must read exactly as click does (or hand to click).
LINES = [
    ["decrypt", "a.yaml"],
    ["decrypt", "a.yaml", "b.yaml", "c.yaml"],
    ["decrypt", "--extract", "db.password", "a.yaml"],
    ["decrypt", "a.yaml", "--extract=db.password"],
    ["decrypt", "-o", "out.yaml", "a.yaml", "--portable"],
    ["decrypt", "--output=out.yaml", "--output-type", "dotenv", "--prefix", "APP_", "a.yaml"],
    ["decrypt", "--format", "json", "a.yaml"],
    ["decrypt", "--output-type", "k8s-secret", "--name", "n", "--namespace", "ns", "a.yaml"],
    ["decrypt", "--input-type", "json", "a.enc"],
    ["decrypt", "--", "-odd-name.yaml"],
    ["decrypt", "./a.yaml", "dir//b.yaml", "c.yaml/", "./dir/./d.yaml/.", "../e.yaml", "dir/../f.yaml"],
    ["decrypt", "-o", "./out//plain.yaml", "a.yaml"],
    ["decrypt", "-", "a.yaml"],
    ["decrypt", "-"],
    ["decrypt", "-o", "-", "a.yaml", "b.yaml"],
    ["decrypt", "--output-type", "dotenv", "-", "--output=-"],
    ["verify", "a.yaml", "b.yaml"],
    ["verify", "a.yaml", "--input-type", "json", "b.yaml", "c.yaml"],
    ["verify", "--keyless", "a.yaml"],
    ["status", "a.yaml"],
    ["status", "a.yaml", "b.yaml"],
    ["status", "--older-than", "90d", "a.yaml", "b.yaml", "c.yaml"],
    ["status", "a.yaml", "--older-than=2w"],
    ["status", "--values", "a.yaml", "b.yaml"],
    ["status", "a.yaml", "--values", "--older-than", "90d"],
    ["set", "a.yaml", "db.password", "v"],
    ["set", "a.yaml", "db", "v", "--replace"],
    ["set", "--replace", "--type", "yaml", "a.yaml", "db", "{a: 1}"],
    ["set", "-", "k", "v"],
    ["set", "a.yaml", "db.port", "5432", "--type", "int", "--rotate"],
    ["set", "--input-type=dotenv", "a.env", "KEY", "--", "-starts-with-dash"],
    ["rotate", "a.yaml"],
    ["rotate", "a.yaml", "--input-type", "json", "b.enc"],
    ["rotate", ".//a.yaml", "./b.yaml"],
    ["rotate", "--adopt", "a.yaml", "b.yaml"],
    ["set", "./a.yaml", "k", "v"],
    ["status", "//a.yaml", "///b.yaml", "~/c.yaml"],
    ["exec", "./a.yaml", "./b.yaml", "--", "env"],
    ["exec", "a.yaml", "env"],
    ["exec", "a.yaml", "--", "env", "-i"],
    ["exec", "--prefix", "APP_", "--allow-env", "PATH", "--allow-env", "HOME", "a.yaml", "env"],
    ["exec", "--override", "--keep-key-env", "a.yaml", "b.yaml", "--", "sh", "-c", "echo $X"],
    ["exec", "--no-override", "a.yaml", "prog", "--prefix", "x"],
    ["exec", "--", "a.yaml", "prog"],
    ["encrypt", "a.yaml"],
    ["encrypt", "--age", "age1x", "--age", "age1y", "-o", "a.enc.yaml", "a.yaml"],
    ["encrypt", "-i", "--unencrypted-suffix", "_plain", "a.yaml", "--aws-kms", "arn:aws:kms:x"],
    ["encrypt", "--encrypted-regex=^pass", "--input-type", "json", "--output-type", "yaml", "a.json"],
    ["encrypt", "--ssh", "ssh-ed25519 AAAA", "--pgp", "FPR", "--output=-", "-"],
    ["encrypt", "--in-place", "--keyring", "team", "--gcp-kms", "projects/p", "--azure-kv", "https://v/k/1",
     "--hc-vault-transit", "https://vault/v1/transit/keys/k", "a.yaml"],
]
# Command lines the fast path must leave to click (which answers with help or a usage error).
CLICK_ONLY = [
    ["--debug", "decrypt", "a.yaml"],
    ["decrypt", "--help"],
    ["decrypt"],
    ["decrypt", "-oout.yaml", "a.yaml"],
    ["decrypt", "--extract", "a", "--extract", "b", "a.yaml"],
    ["decrypt", "--output-type", "xml", "a.yaml"],
    ["decrypt", "--portable=yes", "a.yaml"],
    ["decrypt", "--unknown", "a.yaml"],
    ["decrypt", "--extract"],
    ["status"],
    ["status", "--older-than", "ninety days", "a.yaml"],
    ["status", "--values=yes", "a.yaml"],
    ["set", "a.yaml"],
    ["set", "a.yaml", "k", "v", "--replace", "--replace"],
    ["set", "a.yaml", "k", "v", "--replace=1"],
    ["verify", "--print-signature", "a.yaml"],
    ["exec", "a.yaml"],
    ["rotate"],
    ["rotate", "--in-place", "a.yaml"],
    ["encrypt", "--recipient", "age:age1x", "a.yaml"],
    ["encrypt", "--key-group", "age:age1x", "--threshold", "1", "a.yaml"],
    ["encrypt", "--aws-kms", "arn", "--aws-context", "a=b", "a.yaml"],
    ["encrypt", "--previous", "old.yaml", "a.yaml"],
    ["encrypt", "-io", "out.yaml", "a.yaml"],
    ["encrypt", "--output-type", "toml", "a.yaml"],
    ["encrypt", "a.yaml", "b.yaml"],
    ["recipients", "add", "a.yaml"],
]


def _click_params(args: list[str]) -> dict[str, object]:
    """The parameters click gives the command, its ``Path`` objects as the fast path passes them: their
    text (``str(Path(name))``), which the bodies print and open alike."""
    _import_commands(args[0])
    command = cli.commands[args[0]]
    params = dict(command.make_context(args[0], list(args[1:])).params)
    return {name: tuple(map(str, value)) if isinstance(value, tuple) and value and isinstance(value[0], Path)
            else str(value) if isinstance(value, Path) else value for name, value in params.items()}


@pytest.mark.parametrize("args", LINES, ids=" ".join)
def test_the_fast_parser_reads_a_line_as_click_does(args: list[str]) -> None:
    parsed = fast.parse(args)
    assert parsed is not None, "the fast path gave up on a plain command line"
    command, params = parsed
    assert command == args[0]
    assert params == _click_params(args)


@pytest.mark.parametrize("args", CLICK_ONLY, ids=" ".join)
def test_anything_unusual_goes_to_click(args: list[str]) -> None:
    assert fast.parse(args) is None


@pytest.mark.parametrize(("variable", "args"), [
    ("SEALFILE_DECRYPT_EXTRACT", ["decrypt", "a.yaml"]),
    ("SEALFILE_DECRYPT_OUTPUT_TYPE", ["decrypt", "a.yaml"]),  # named after the flag, not the parameter
    ("SEALFILE_SET_REPLACE", ["set", "a.yaml", "k", "v"]),
    ("SEALFILE_STATUS_OLDER_THAN", ["status", "a.yaml", "b.yaml"]),
])
def test_an_option_from_the_environment_goes_to_click(monkeypatch: pytest.MonkeyPatch, variable: str,
                                                      args: list[str]) -> None:
    monkeypatch.setenv(variable, "1")
    assert fast.parse(args) is None


def test_a_directory_goes_to_click(tmp_path: Path) -> None:
    assert fast.parse(["decrypt", str(tmp_path)]) is None


def test_every_command_names_its_module() -> None:
    _import_commands()
    assert sorted(COMMAND_MODULE) == sorted(cli.commands)
    assert set(COMMAND_MODULE.values()) == set(COMMAND_MODULES)


# What each hot command must not load: the command-line library, every cloud SDK and the other
# providers' clients, the signature modules (no policy is configured here), the writers' modules,
# the pure-Python YAML round trip's dumping and the atomic writer (a reader writes nothing), and
# what costs a start-up milliseconds for nothing here: dataclasses (inspect), filelock (the lock is
# flock), subprocess, tempfile, pathlib (with urllib.parse and ipaddress: file names are strings, see
# sealfile.files.pathnames), the git and key-splitting modules.
NEVER = ["click", "boto3", "botocore", "google", "azure", "hvac", "gnupg", "keyring", "requests",
         "dataclasses", "inspect", "filelock", "subprocess", "tempfile", "uuid", "hashlib", "sealfile.gitflow.gitcli",
         "pathlib", "urllib.parse", "ipaddress",
         "difflib",  # a missing key's "did you mean" hint: only on an error
         "sealfile.kms.passphrase", "sealfile.files.programs",  # asking for a passphrase, running a program
         "sealfile.envelope.shamir",
         "sealfile.cli.app", "sealfile.cli.options", "sealfile.envelope.sshsig", "sealfile.envelope.ssh_keys",
         "sealfile.envelope.allowed_signers", "sealfile.stores.yaml.roundtrip",
         "sealfile.files.editor", "sealfile.sops", "sealfile.kms.aws", "sealfile.kms.gcp",
         "sealfile.kms.azure", "sealfile.kms.vault", "sealfile.kms.pgp"]
READERS_NEVER = [*NEVER, "sealfile.ops.change", "sealfile.files.atomic", "platform", "sealfile.stores.dotenv",
                 "sealfile.stores.json", "threading",  # threads: only where a bulk command or a KMS call needs them
                 "sealfile.stores.yaml.edit"]  # structural edits (a new key, a subtree, a removal)
# A sealed file as sealfile writes it, and a usual plaintext, are read by the line scan and the metadata
# block written without ruamel: no YAML parser is loaded to read, seal, rotate or set a value in one.
NO_PARSER = ["ruamel", "_ruamel_yaml", "sealfile.stores.yaml.parsed",
             "datetime", "copy", "fnmatch"]  # what ruamel loads with itself: nothing else here needs them
RUAMEL_LOADS = ["typing", "base64", "struct", "math"]  # standard modules the parser imports with itself
ONE_FILE_NEVER = [*READERS_NEVER, *NO_PARSER, "sealfile.runtime.outputs"]  # the file's own text, rendered by no one
# status needs no key: it decrypts nothing, builds no document (its file is unsigned and no policy is
# configured), runs nothing, and reads no creation rules (there is no .sealfile.yaml).
STATUS_NEVER = [*READERS_NEVER, *NO_PARSER, "cryptography", "sealfile.envelope.cipher", "sealfile.envelope.bulk",
                "sealfile.envelope.mac", "sealfile.envelope.datakey", "sealfile.ops.document",
                "sealfile.ops.spliced", "sealfile.ops.tree", "sealfile.ops.read", "sealfile.ops.verify",
                "sealfile.ops.config", "sealfile.runtime.freshness", "subprocess",
                "sealfile.kms.groups",  # no rule to compare recipients with
                "typing",  # every annotation-only name is imported under TYPE_CHECKING (~11 M instructions a start)
                "json",  # no key path to parse or print, and a stanza's hash needs no JSON text (~5 M)
                "signal",  # handlers are set through _signal, without the wrapper's enums (~3 M)
                "base64", "struct", "shlex", "math", "unicodedata"]  # for binary values, errors' hints and settings

# As the installed ``sealfile`` script runs (not ``runpy``, and no ``json`` before the command: both load modules
# a command must not need, so a command's own eager import of one would pass unseen).
PROBE = """
import os, sys
sys.argv = ["sealfile", *sys.argv[1:]]
os.execve = os.execvp = os.execvpe = lambda *args: sys.exit(0)  # exec: stop where the command would start
os._exit = sys.exit  # the program leaves without teardown: leave through here, to list what it loaded
from sealfile.cli import console
try:
    console()
except SystemExit as done:
    assert done.code in (0, None), done.code
print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize(("args", "never"), [
    (["decrypt", "{f}"], ONE_FILE_NEVER),
    (["decrypt", "--extract", "a", "{f}"], ONE_FILE_NEVER),
    (["decrypt", "{f}", "{f}"], READERS_NEVER),
    (["verify", "{f}"], [*READERS_NEVER, *NO_PARSER]),
    (["status", "{f}"], STATUS_NEVER),
    (["status", "--values", "{f}"], STATUS_NEVER),
    (["exec", "{f}", "--", "true"], [*READERS_NEVER, *NO_PARSER]),
    (["set", "{f}", "a", "new-value"], [*NEVER, *NO_PARSER]),
    (["rotate", "{f}"], [*NEVER, *NO_PARSER]),
    (["encrypt", "--age", "{r}", "-o", "{o}", "{p}"], [*NEVER, *NO_PARSER, "sealfile.kms.age_identities"]),
], ids=lambda v: " ".join(v) if isinstance(v, list) and "{f}" in v else "")
def test_a_hot_command_loads_only_what_it_uses(args: list[str], never: list[str], age_key: AgeKey,
                                               tmp_path: Path, both_implementations: str) -> None:
    if both_implementations == "fast":  # the pure engine's scanner: the C engine reads without it
        never = [*never, "sealfile.stores.yaml.libyaml_scanner"]
        if "sealfile.ops.change" in never:  # a reader opens every token at once, never one by one
            never = [*never, "cryptography.fernet"]
    else:  # the general implementation reads every text with ruamel's pure-Python parser
        never = [name for name in never if name not in (*NO_PARSER, *RUAMEL_LOADS)]
    sealed, plain = tmp_path / "s.yaml", tmp_path / "p.yaml"
    usual = benchmark_corpus(100) + "a: secret-value\n"  # comments, quotes, lists, a literal block scalar
    assert ": |\n" in usual
    sealed.write_text(seal(usual, age_key))
    plain.write_text(usual)
    named = {"{f}": str(sealed), "{p}": str(plain), "{o}": str(tmp_path / "o.yaml"), "{r}": age_key.recipient}
    line = [named.get(arg, arg) for arg in args]
    env = cli_env()
    env.pop(CHECK_VARIABLE, None)  # the suite's check reads every text with ruamel too
    result = subprocess.run([sys.executable, "-c", PROBE, *line], capture_output=True, text=True,
                            env=env,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stderr.splitlines()[-1].split())
    assert sorted(m for m in loaded if m in never or m.split(".")[0] in never
                  or any(m.startswith(n + ".") for n in never)) == []


CLICK_MAIN = "import sys; from sealfile.cli.app import main; main(sys.argv[1:])"


@pytest.mark.parametrize("args", [
    ["decrypt", "--name", "n", "{f}"],
    ["decrypt", "--prefix", "APP_", "{f}", "{f}"],
    ["decrypt", "-", "-"],
    ["decrypt", "--output-type", "binary", "{f}", "{f}"],
    ["exec", "{f}", "--"],
    ["encrypt", "-o", "x.yaml", "-i", "{f}"],
    ["encrypt", "-i", "-"],
], ids=" ".join)
def test_a_usage_problem_is_worded_as_click_words_it(args: list[str], age_key: AgeKey, tmp_path: Path) -> None:
    sealed = tmp_path / "s.yaml"
    sealed.write_text(seal("a: secret-value\n", age_key))
    line = [str(sealed) if arg == "{f}" else arg for arg in args]
    assert fast.parse(line) is not None  # the fast path runs it, and the body finds the problem
    through_fast_path = run_cli(*line, input="")
    through_click = run_python(CLICK_MAIN, *line)
    assert through_fast_path.returncode == through_click.returncode == 2
    assert through_fast_path.stderr == through_click.stderr
    assert through_fast_path.stderr.startswith("sealfile: error: ")
    assert f". Usage: sealfile {args[0]} [OPTIONS]" in through_fast_path.stderr
    assert through_fast_path.stderr.count("\n") == 1
    assert "secret-value" not in through_fast_path.stdout + through_fast_path.stderr


@pytest.mark.parametrize("args", [
    ["status", "./dir//s.yaml"],
    ["verify", "./dir//s.yaml", "dir/./t.yaml/"],
    ["set", ".//dir/s.yaml", "b", "v"],
    ["rotate", "./dir//s.yaml", "dir/../dir/t.yaml"],
    ["decrypt", "./dir//s.yaml", "dir/./t.yaml"],
    ["decrypt", "./dir//missing.yaml"],
    ["exec", "./dir//s.yaml", "./dir/./missing.yaml/", "--", "true"],
], ids=" ".join)
def test_a_file_is_named_as_click_names_it(args: list[str], age_key: AgeKey, tmp_path: Path) -> None:
    """click passes ``Path`` objects, the fast path strings: messages name a file as ``str(Path(name))`` does."""
    (tmp_path / "dir").mkdir()

    def run(program: list[str]) -> tuple[int, str, str]:
        for name in ("s.yaml", "t.yaml"):  # each run changes a fresh copy
            (tmp_path / "dir" / name).write_text(sealed)
        done = subprocess.run([sys.executable, *program, *args], capture_output=True, text=True, env=cli_env(),
                              cwd=tmp_path, timeout=60)
        return done.returncode, re.sub(r"\d+s ago", "now", done.stdout), done.stderr  # status: values' ages

    sealed = seal("a: secret-value\n", age_key)
    assert fast.parse(args) is not None
    through_fast_path, through_click = run(["-m", "sealfile"]), run(["-c", CLICK_MAIN])
    assert through_fast_path == through_click
    assert re.search(r"(^|\s)\./|//|/\./", through_fast_path[1] + through_fast_path[2], re.MULTILINE) is None


def _click_command(name: str) -> click.Command:
    _import_commands(name)
    return cli.commands[name]


@pytest.mark.parametrize("name", fast.HOT)
def test_the_fast_spec_agrees_with_the_click_command(name: str) -> None:
    """Every option the fast path reads is the click command's, with its parameter, kind and choices
    (the defaults: each command's plainest line in LINES)."""
    spec = fast._encrypt_spec() if name == "encrypt" else fast._specs()[name]
    params = {param.name: param for param in _click_command(name).params}
    for flag, option in spec.options.items():
        param = params[option.dest]
        assert isinstance(param, click.Option) and flag in (*param.opts, *param.secondary_opts), flag
        assert param.multiple == (option.kind == "multiple"), flag
        assert param.is_flag == (option.kind in ("flag", "off")), flag
        if option.kind == "off":
            assert flag in param.secondary_opts
        if option.choices:
            assert isinstance(param.type, click.Choice) and set(option.choices) <= set(param.type.choices), flag


def _random_line(rng: random.Random, name: str) -> list[str]:
    values = ["a.yaml", "-", "--", "", "x=y", "-x", "90d", "2w", "yaml", "json", "dotenv", "int", "age1x", "-o", "ü"]
    positionals = ["a.yaml", "b.yaml", "-", "--", "", "-odd.yaml", "env", "k", "v", "./a.yaml", "a.yaml/", "--help"]
    options = [(flag, param) for param in _click_command(name).params if isinstance(param, click.Option)
               for flag in (*param.opts, *param.secondary_opts)]
    line = [name]
    for _ in range(rng.randint(0, 7)):
        if rng.random() < 0.45:
            flag, param = rng.choice(options)
            choices = list(param.type.choices) if isinstance(param.type, click.Choice) else []
            value = rng.choice(values + choices * 3)
            if param.is_flag:
                line.append(flag + "=" + value if rng.random() < 0.1 else flag)
            elif flag.startswith("--") and rng.random() < 0.3:
                line.append(f"{flag}={value}")
            else:
                line += [flag + value] if rng.random() < 0.05 else [flag, value]
        else:
            line.append(rng.choice(positionals))
    return line


@pytest.mark.parametrize("name", fast.HOT)
def test_random_lines_read_the_same_by_both_parsers(name: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Options, values, ``--opt=value``, ``--``, ``-``, repeats and clusters in random order: wherever
    the fast path reads a line, click reads it without error and to the same parameters."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").mkdir()  # a directory among the names: click refuses it
    rng = random.Random(name)
    read = 0
    for _ in range(1500):
        line = _random_line(rng, name)
        parsed = fast.parse(line)
        if parsed is not None:
            read += 1
            assert parsed == (name, _click_params(line)), line
    assert read > 50  # the lines exercise the fast path, not only its refusals

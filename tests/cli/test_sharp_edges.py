"""Sharp edges a new team hit: set over a subtree, list items in key paths, ``-`` for stdin/stdout, and
error messages about keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.errors import KeyPathError, NoUsableKeyError, UnwrapError
from sealfile.kms.age import generate_identity
from sealfile.model.paths import ListIndex, parse_keypath, resolve
from sealfile.ops.seal import seal_text
from sealfile.stores import store_for
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

PLAINTEXT = "db:\n  hosts:\n  - a.internal\n  - b.internal\n  user: app\n"


@pytest.fixture
def sealed(age_identity: AgeIdentity, tmp_path: Path) -> Path:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [age_identity.key]))
    return path


# --- set over a mapping or list -----------------------------------------------------------------


@pytest.mark.parametrize("value", [("oops",), ("5", "--type", "yaml"), ("null", "--type", "yaml")], ids=repr)
@pytest.mark.parametrize(("keypath", "kind"), [("db", "mapping"), ("db.hosts", "list")])
def test_set_refuses_to_replace_a_subtree_with_one_value(run_cli: RunCli, sealed: Path, keypath: str,
                                                         kind: str, value: tuple[str, ...]) -> None:
    """A YAML scalar is one value too: ``--type yaml`` of ``5`` replaced the whole mapping."""
    before = sealed.read_bytes()
    done = run_cli("set", sealed, keypath, *value)
    assert done.returncode == 1
    assert done.stderr == (f"sealfile: error: {sealed}: {keypath}: holds a {kind}; a single value would replace all "
                           f"of it (use --replace to do that, or --type yaml to set a new {kind})\n")
    assert sealed.read_bytes() == before


@pytest.mark.parametrize(("args", "cause"), [
    (("unset", "db.nope"), "db.nope: no such key"),
    (("unset", "db.user.x"), "db.user.x: the path goes through a value that is not a mapping or list"),
    (("set", "db", "v"), "db: holds a mapping; a single value would replace all of it (use --replace to do that, "
                         "or --type yaml to set a new mapping)"),
    (("recipients", "remove", "--age", generate_identity()[1]), "not a recipient of this file: age "),
])
def test_a_mistake_the_file_shows_is_named_before_any_key_is_used(run_cli: RunCli, sealed: Path,
                                                                 args: tuple[str, ...], cause: str) -> None:
    """Someone who cannot open the file (or whose key service would log the request) hears about the
    key path or recipient they got wrong, not that no key opened the file. (``set db.user.x`` is not among them:
    a sealed value may be a null, which ``set`` makes a mapping, so only the data key tells; see
    ``test_set_null_parent.py``.)"""
    before = sealed.read_bytes()
    verb = args[:2] if args[0] == "recipients" else args[:1]
    done = run_cli(*verb, sealed, *args[len(verb):], env={"SEALFILE_AGE_KEY_FILE": "", "SEALFILE_AGE_KEY": ""})
    assert done.returncode == 1
    assert done.stderr.startswith(f"sealfile: error: {sealed}: {cause}") and len(done.stderr.splitlines()) == 1
    assert sealed.read_bytes() == before


LAUGHS = "{a: &a [x,x,x,x,x,x,x,x,x,x]" + "".join(  # each level ten aliases of the one before: 10^8 entries
    f", {name}: &{name} [{','.join([f'*{previous}'] * 10)}]"
    for previous, name in zip("abcdefg", "bcdefgh", strict=True)) + "}"


@pytest.mark.parametrize(("value", "value_type", "cause"), [
    ("hunter2-not-a-number", "int", "the value is not a valid int"),
    ("hunter2", "bool", "the value is not a valid bool"),
    ("{user: hunter2", "yaml", "the value is not valid YAML: invalid YAML at line 2, column 1: did not find expected "
                               "',' or '}'"),
    ("&a [hunter2, *a]", "yaml", "the value holds itself (a YAML alias to a collection around it)"),
    (LAUGHS, "yaml", "the value expands to more than 1,000,000 entries (YAML aliases are written out as copies)"),
])
def test_a_value_that_cannot_be_read_as_its_type_is_refused_naming_file_and_key_path(
        run_cli: RunCli, sealed: Path, value: str, value_type: str, cause: str) -> None:
    before = sealed.read_bytes()
    done = run_cli("set", sealed, "db.user", value, "--type", value_type)
    assert (done.returncode, done.stderr) == (1, f"sealfile: error: {sealed}: db.user: {cause}\n")
    assert sealed.read_bytes() == before


@pytest.mark.parametrize(("name", "plaintext"), [("s.enc.yaml", "a: 1\n"), ("s.enc.json", '{"a": 1}'),
                                                  ("s.enc.env", "A=1\n")])
@pytest.mark.parametrize("keypath", ["sealfile", "sealfile.version", '["sealfile"]["mac"]'])
def test_set_refuses_the_metadata_key_in_every_syntax(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                                     name: str, plaintext: str, keypath: str) -> None:
    path = tmp_path / name
    path.write_text(seal_text(plaintext, [age_identity.key], store=store_for(name, None)))
    before = path.read_bytes()
    done = run_cli("set", path, keypath, "3")
    assert (done.returncode, done.stderr) == (
        1, f"sealfile: error: {path}: {keypath}: the top-level key 'sealfile' holds the file's metadata and cannot be "
           "set\n")
    assert path.read_bytes() == before


@pytest.mark.parametrize(("name", "plaintext"), [("s.enc.yaml", "a: 1\n"), ("s.enc.json", '{"a": 1}'),
                                                  ("s.enc.env", "A=1\n")])
@pytest.mark.parametrize("command", [["set", '["\\ud800"]', "3"], ["set", 'a["x\\udc80"]', "3"],
                                     ["unset", '["\\ud800"]']], ids=" ".join)
def test_a_key_that_is_not_text_is_refused_naming_it(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                                     name: str, plaintext: str, command: list[str]) -> None:
    """A lone surrogate in a key (a JSON escape in brackets, or an argument's bytes that are not UTF-8) cannot
    be written in any syntax: one line, not an internal error while the MAC encodes the path."""
    path = tmp_path / name
    path.write_text(seal_text(plaintext, [age_identity.key], store=store_for(name, None)))
    before = path.read_bytes()
    done = run_cli(command[0], path, *command[1:])
    assert (done.returncode, done.stderr) == (
        1, f"sealfile: error: {path}: {command[1]}: a key holding a lone surrogate (or bytes that are not UTF-8) is "
           "not text: no file can hold it\n")
    assert path.read_bytes() == before


def test_aliases_in_a_yaml_value_are_written_out_as_copies(run_cli: RunCli, sealed: Path) -> None:
    assert run_cli("set", sealed, "db.pair", "{x: &a [1, 2], y: *a}", "--type", "yaml").returncode == 0
    assert "  pair:\n    x:\n    - 1\n    - 2\n    \"y\":\n    - 1\n    - 2\n" in run_cli("decrypt", sealed).stdout


@pytest.mark.parametrize(("plaintext", "keypath", "value", "warning"), [
    ("db:\n  port: 5432\n", "db.port", "5433", "was an integer, now a string (--type int keeps it an integer)"),
    ("tls: true\n", "tls", "false", "was a boolean, now a string (--type bool keeps it a boolean)"),
    ("ratio: 0.5\n", "ratio", "0.25", "was a number, now a string (--type float keeps it a number)"),
    ("db:\n  password: old\n", '["db"]["password"]', '"n3w-s3cret"', "set with its double quotes, which are now "
     "part of the value (set takes the text as given; sops set reads JSON): give it without them"),
], ids=["int", "bool", "float", "sops-json"])
def test_a_set_that_likely_sets_another_value_than_meant_says_so(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, plaintext: str, keypath: str, value: str,
        warning: str) -> None:
    """``set f db.port 5433`` turned the port into the string "5433" that the application then read, and a SOPS
    user's ``set f '["db"]["password"]' '"..."'`` put the quotes into the password; both said only "set"."""
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text(plaintext, [age_identity.key]))
    done = run_cli("set", path, keypath, value)
    assert done.returncode == 0
    assert done.stderr == f"{path}: {keypath} set\nsealfile: warning: {path}: {keypath}: {warning}\n"
    assert "n3w" not in done.stderr and "5433" not in done.stderr


@pytest.mark.parametrize("args", [("db.port", "auto"), ("db.port", "5433", "--type", "int"), ("db.user", "x"),
                                  ("db.new", "5")], ids=repr)
def test_a_set_meant_as_given_is_not_questioned(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                               args: tuple[str, ...]) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("db:\n  port: 5432\n  user: app\n", [age_identity.key]))
    done = run_cli("set", path, *args)
    assert (done.returncode, done.stderr) == (0, f"{path}: {args[0]} set\n")


def test_set_replaces_a_subtree_when_told(run_cli: RunCli, sealed: Path) -> None:
    assert run_cli("set", sealed, "db.hosts", "[c.internal]", "--type", "yaml").returncode == 0
    assert "hosts:\n  - c.internal\n" in run_cli("decrypt", sealed).stdout
    assert run_cli("set", sealed, "db", "gone", "--replace").returncode == 0
    assert run_cli("decrypt", sealed).stdout == "db: gone\n"


@pytest.mark.parametrize("keypath", ["db.hosts[0]", "db.hosts.0", '["db"]["hosts"][0]', 'db["hosts"][0]'])
def test_a_list_item_is_addressed_in_every_spelling(run_cli: RunCli, sealed: Path, keypath: str) -> None:
    assert run_cli("set", sealed, keypath, "c.internal").returncode == 0
    assert run_cli("decrypt", sealed).stdout == PLAINTEXT.replace("a.internal", "c.internal")
    assert run_cli("decrypt", sealed, "--extract", keypath).stdout == "c.internal"


def test_mixed_key_paths_parse_to_the_same_selectors() -> None:
    tree = {"db": {"hosts": ["a", "b"], "x.y": {"z": 1}}}
    assert resolve(tree, "db.hosts[1]") == resolve(tree, '["db"]["hosts"][1]') == ("db", "hosts", ListIndex(1))
    assert resolve(tree, 'db["x.y"].z') == ("db", "x.y", "z")
    for bad in ("db..hosts", "db.", "hosts[0]x", "a[x]", ".a"):
        with pytest.raises(KeyPathError):
            parse_keypath(bad)


# --- "-" is standard input or output ------------------------------------------------------------


def test_dash_reads_stdin_and_writes_stdout(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    sealed = run_cli("encrypt", "--age", age_identity.recipient, "-", "-o", "-", input="a: 1\n", cwd=tmp_path)
    assert sealed.returncode == 0, sealed.stderr
    assert sealed.stdout.startswith("a: ENC[")
    opened = run_cli("decrypt", "-", "-o", "-", input=sealed.stdout, cwd=tmp_path)
    assert (opened.returncode, opened.stdout) == (0, "a: 1\n")
    as_json = run_cli("encrypt", "--age", age_identity.recipient, "--input-type", "json", "-", input='{"a": 1}',
                      cwd=tmp_path)
    assert as_json.stdout.startswith('{"a": "ENC[')  # -o - keeps the input's syntax
    assert not (tmp_path / "-").exists()


def test_decrypt_to_dash_never_creates_a_file_named_dash(run_cli: RunCli, sealed: Path) -> None:
    done = run_cli("decrypt", sealed, "-o", "-", cwd=sealed.parent)
    assert (done.returncode, done.stdout) == (0, PLAINTEXT)
    assert not (sealed.parent / "-").exists()


def test_dash_is_refused_where_a_file_is_changed_in_place(run_cli: RunCli, age_identity: AgeIdentity) -> None:
    assert run_cli("encrypt", "--age", age_identity.recipient, "-i", "-", input="a: 1\n").returncode == 2
    done = run_cli("set", "-", "a", "2", input="a: 1\n")
    assert done.returncode == 1
    assert "name the file, not -" in done.stderr


# --- errors about keys ---------------------------------------------------------------------------


def test_a_missing_key_file_is_named_as_missing(run_cli: RunCli, sealed: Path, tmp_path: Path) -> None:
    missing = tmp_path / "x" / "keys.txt"
    done = run_cli("decrypt", sealed, env={"SEALFILE_AGE_KEY_FILE": str(missing)})
    assert done.returncode == 1
    assert f"SEALFILE_AGE_KEY_FILE={missing}: no such file" in done.stderr
    assert "SEALFILE_AGE_KEY," not in done.stderr and "$SEALFILE_AGE_KEY " not in done.stderr  # unset: not a place


def test_recipients_failing_for_the_same_reason_share_one_reason() -> None:
    attempts = [UnwrapError("no matching identity", type_id="age", key_id=name) for name in ("age1a", "age1b")]
    attempts.append(UnwrapError("access denied", type_id="aws_kms", key_id="arn:k"))
    assert str(NoUsableKeyError(attempts)) == ("no recipient could open the data key (age age1a, age age1b: no "
                                               "matching identity; aws_kms arn:k: access denied)")


@pytest.mark.parametrize("args", [["--s3cr3t-pass"], ["-s3cr3t"], ["correct", "s3cr3t", "staple"],
                                  ["v", "--s3cr3t"]], ids=" ".join)
def test_a_usage_error_of_set_never_quotes_the_value(run_cli: RunCli, sealed: Path, args: list[str]) -> None:
    """A value given as an argument that starts with '-', or unquoted with spaces, is a usage error whose
    wording click would take from the arguments: the secret itself, on stderr and in CI logs."""
    before = sealed.read_bytes()
    done = run_cli("set", sealed, "db.password", *args)
    assert done.returncode == 2
    assert "s3cr3t" not in done.stderr + done.stdout and "(more: sealfile set --help)" in done.stderr
    assert sealed.read_bytes() == before

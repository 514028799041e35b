"""The ``sealfile`` command in a real subprocess: exit codes, streams, file modes, output."""

from __future__ import annotations

import base64
import re
import stat
from pathlib import Path

import pytest

from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity
from tests.support.values import safe_load

PLAINTEXT = """\
# database settings
database:
  host: db.internal
  password: "hunter2"
  replicas:
  - host: r1.internal
  - host: r2.internal
region_unencrypted: eu-west-1
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    path = tmp_path / "secrets.yaml"
    path.write_text(PLAINTEXT)
    return path


@pytest.fixture
def sealed(age_identity: AgeIdentity, tmp_path: Path) -> Path:
    """Sealed in-process (faster); ``encrypt`` itself is tested through the CLI below."""
    out = tmp_path / "secrets.enc.yaml"
    out.write_text(seal_text(PLAINTEXT, [age_identity.key]))
    return out


def one_error_line(result: object, *, code: int = 1) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in lines[0]
    return str(lines[0])


# --- keygen ---------------------------------------------------------------------------------


def test_keygen_default_location(run_cli: RunCli, isolated_env: Path) -> None:
    result = run_cli("keygen")
    assert result.returncode == 0, result.stderr
    recipient = result.stdout.strip()
    assert re.fullmatch(r"age1[0-9a-z]{58}", recipient)
    key_file = isolated_env / ".config" / "sealfile" / "age" / "keys.txt"
    assert mode(key_file) == 0o600
    assert mode(key_file.parent) == 0o700
    assert recipient in key_file.read_text()
    assert "AGE-SECRET-KEY-" not in result.stdout + result.stderr


def test_keygen_output_file_appends(run_cli: RunCli, tmp_path: Path) -> None:
    key_file = tmp_path / "keys.txt"
    first = run_cli("keygen", "-o", key_file).stdout.strip()
    second = run_cli("keygen", "-o", key_file).stdout.strip()
    assert first != second
    text = key_file.read_text()
    assert first in text and second in text
    assert text.count("AGE-SECRET-KEY-") == 2
    assert mode(key_file) == 0o600


def test_keygen_identity_decrypts(run_cli: RunCli, plain: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "keys.txt"
    recipient = run_cli("keygen", "-o", key_file).stdout.strip()
    out = tmp_path / "out.yaml"
    assert run_cli("encrypt", "--age", recipient, plain, "-o", out).returncode == 0
    result = run_cli("decrypt", out, env={"SEALFILE_AGE_KEY_FILE": str(key_file)})
    assert result.returncode == 0, result.stderr
    assert result.stdout == PLAINTEXT


# --- encrypt --------------------------------------------------------------------------------


def test_encrypt_to_stdout(run_cli: RunCli, plain: Path, age_identity: AgeIdentity) -> None:
    result = run_cli("encrypt", "--age", age_identity.recipient, plain)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "hunter2" not in result.stdout
    assert "region_unencrypted: eu-west-1" in result.stdout
    assert safe_load(result.stdout)["sealfile"]["version"] == 2
    assert plain.read_text() == PLAINTEXT


def test_encrypt_in_place_keeps_mode(run_cli: RunCli, plain: Path, age_identity: AgeIdentity) -> None:
    plain.chmod(0o640)
    result = run_cli("encrypt", "--age", age_identity.recipient, "-i", plain)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert mode(plain) == 0o640
    assert "hunter2" not in plain.read_text()
    assert [p.name for p in plain.parent.iterdir() if p.name.startswith(".")] == []


def test_encrypt_multiple_recipients(run_cli: RunCli, plain: Path, age_identity: AgeIdentity,
                                     tmp_path: Path) -> None:
    other = run_cli("keygen", "-o", tmp_path / "other.txt").stdout.strip()
    result = run_cli("encrypt", "--age", age_identity.recipient, "--age", other, plain)
    assert result.returncode == 0, result.stderr
    stanzas = safe_load(result.stdout)["sealfile"]["recipients"]
    assert [s["recipient"] for s in stanzas] == [age_identity.recipient, other]


def test_encrypt_with_a_rule(run_cli: RunCli, plain: Path, age_identity: AgeIdentity) -> None:
    result = run_cli("encrypt", "--age", age_identity.recipient, "--encrypted-regex", "^password$", plain)
    assert result.returncode == 0, result.stderr
    tree = safe_load(result.stdout)
    assert tree["sealfile"]["encrypted_regex"] == "^password$"
    assert tree["database"]["host"] == "db.internal"
    assert tree["database"]["password"].startswith("ENC[")


def test_encrypt_with_previous_keeps_ciphertext(run_cli: RunCli, plain: Path, age_identity: AgeIdentity,
                                                tmp_path: Path) -> None:
    sealed = tmp_path / "first.enc.yaml"
    assert run_cli("encrypt", "--age", age_identity.recipient, plain, "-o", sealed).returncode == 0
    result = run_cli("encrypt", "--previous", sealed, plain)
    assert result.returncode == 0, result.stderr
    assert result.stdout == sealed.read_text()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["encrypt", "{plain}"], "recipient"),
        (["encrypt", "--age", "{recipient}", "-i", "-o", "{tmp}/x", "{plain}"], "not both"),
        (["decrypt"], "Missing argument"),
        (["bogus"], "No such command"),
    ],
)
def test_usage_errors_exit_2(run_cli: RunCli, plain: Path, age_identity: AgeIdentity, tmp_path: Path,
                             args: list[str], expected: str) -> None:
    filled = [a.format(plain=plain, recipient=age_identity.recipient, tmp=tmp_path) for a in args]
    result = run_cli(*filled)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_a_usage_error_asking_a_question_ends_in_its_question_mark(run_cli: RunCli) -> None:
    done = run_cli("rotat", "x.enc.yaml")
    assert done.returncode == 2
    assert done.stderr.startswith("sealfile: error: No such command 'rotat'. Did you mean 'rotate'? Usage: sealfile ")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("a: &x k\nb: {*x : hunter2}\n", "alias as a mapping key"),
        ("a: 1\na: hunter2\n", "duplicate key"),
        ("- hunter2\n", "top level of a document must be a mapping"),
        ("a: !hunter2 more\n", "a value starts with '!'"),
        ("a: 'hunter2\n", "invalid YAML"),
    ],
)
def test_encrypt_refuses_bad_input_in_one_line(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                               content: str, expected: str) -> None:
    (tmp_path / "work").mkdir()
    path = tmp_path / "work" / "bad.yaml"
    path.write_text(content)
    path.chmod(0o640)
    result = run_cli("encrypt", "--age", age_identity.recipient, "-i", path)
    line = one_error_line(result)
    assert line.startswith(f"sealfile: error: {path}: ")
    assert expected in line
    assert "hunter2" not in result.stderr
    assert path.read_text() == content
    assert mode(path) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == ["bad.yaml"]  # no temp file left behind


def test_encrypt_refuses_a_sealed_file(run_cli: RunCli, sealed: Path, age_identity: AgeIdentity) -> None:
    before = sealed.read_bytes()
    line = one_error_line(run_cli("encrypt", "--age", age_identity.recipient, "-i", sealed))
    assert "reserved" in line
    assert sealed.read_bytes() == before


def test_encrypt_bad_recipient(run_cli: RunCli, plain: Path) -> None:
    line = one_error_line(run_cli("encrypt", "--age", "age1nope", plain), code=2)
    assert "'--age'" in line and "age1nope" in line


def test_encrypt_of_an_empty_pipe_writes_nothing(run_cli: RunCli, sealed: Path, age_identity: AgeIdentity) -> None:
    """``vault read ... | sealfile encrypt - -o s.enc.yaml`` whose producer failed sealed an empty document, as
    an empty value from a failed producer blanked one in ``set`` (over an existing sealed file, -o is refused
    first, see test_failure_contract)."""
    before = sealed.read_bytes()
    for output in (sealed.with_name("new.enc.yaml"), sealed):
        done = run_cli("encrypt", "--age", age_identity.recipient, "-", "--previous", sealed, "-o", output, input="")
        line = one_error_line(done)
        assert line.startswith("sealfile: error: -: the input is empty") and sealed.read_bytes() == before
        assert not sealed.with_name("new.enc.yaml").exists()
    empty = sealed.with_name("empty.yaml")
    empty.write_text("")
    assert run_cli("encrypt", "--age", age_identity.recipient, empty).returncode == 0  # a new, empty file


def test_set_in_dotenv_warns_where_a_shell_would_read_the_value_otherwise(
        run_cli: RunCli, tmp_path: Path, age_identity: AgeIdentity) -> None:
    sealed = tmp_path / "app.enc.env"
    sealed.write_text(seal_text("A=1\n", [age_identity.key], store=get_store("dotenv")))
    for value in ("plain $x", "it's", "a\nb", 'back\\slash "q"'):
        alike = run_cli("set", sealed, "B", value)
        assert alike.returncode == 0 and "warning" not in alike.stderr, value
    apart = run_cli("set", sealed, "C", "it's $(id)")
    assert apart.returncode == 0 and apart.stderr.count("\n") == 2
    assert "C: no dotenv spelling of this value reads alike to python-dotenv and to a shell" in apart.stderr
    assert "$(id)" not in apart.stderr  # the value is never shown
    for value in ("a\rb", "${HOME}"):  # as the README lists them: a CR, and what an interpolating reader changes
        warned = run_cli("set", sealed, "D", value)
        assert warned.returncode == 0 and "D: no dotenv spelling of this value" in warned.stderr, value


def test_encrypt_missing_file(run_cli: RunCli, tmp_path: Path, age_identity: AgeIdentity) -> None:
    line = one_error_line(run_cli("encrypt", "--age", age_identity.recipient, tmp_path / "absent.yaml"))
    assert "absent.yaml" in line and "no such file" in line


# --- decrypt --------------------------------------------------------------------------------


def test_decrypt_to_stdout(run_cli: RunCli, sealed: Path) -> None:
    result = run_cli("decrypt", sealed)
    assert result.returncode == 0, result.stderr
    assert result.stdout == PLAINTEXT
    assert result.stderr == ""


def test_decrypt_output_file_is_private(run_cli: RunCli, sealed: Path, tmp_path: Path) -> None:
    out = tmp_path / "plain-out.yaml"
    result = run_cli("decrypt", sealed, "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text() == PLAINTEXT
    assert mode(out) == 0o600


@pytest.mark.parametrize(
    ("keypath", "stdout"),
    [
        ("database.password", "hunter2"),
        ('["database"]["password"]', "hunter2"),
        ("database.replicas.1.host", "r2.internal"),
        ('["database"]["replicas"][1]["host"]', "r2.internal"),
        ("database.replicas.0", "host: r1.internal\n"),
        ("region_unencrypted", "eu-west-1"),
    ],
)
def test_decrypt_extract(run_cli: RunCli, sealed: Path, keypath: str, stdout: str) -> None:
    result = run_cli("decrypt", sealed, "--extract", keypath)
    assert result.returncode == 0, result.stderr
    assert result.stdout == stdout


def test_decrypt_extract_block_scalar_is_printed_as_is(run_cli: RunCli, age_identity: AgeIdentity,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(seal_text("cert: |\n  -----BEGIN-----\n  abc\n  -----END-----\n", [age_identity.key]))
    result = run_cli("decrypt", path, "--extract", "cert")
    assert result.stdout == "-----BEGIN-----\nabc\n-----END-----\n"


def test_decrypt_into_a_missing_directory(run_cli: RunCli, sealed: Path, tmp_path: Path) -> None:
    target = tmp_path / "absent" / "out.yaml"
    line = one_error_line(run_cli("decrypt", sealed, "-o", target))
    assert line == f"sealfile: error: {target}: cannot write (No such file or directory)"


def test_decrypt_extract_missing_path(run_cli: RunCli, sealed: Path) -> None:
    line = one_error_line(run_cli("decrypt", sealed, "--extract", "database.nope"))
    assert str(sealed) in line and "database.nope" in line and "no such key" in line


def test_decrypt_without_a_key(run_cli: RunCli, sealed: Path, tmp_path: Path) -> None:
    line = one_error_line(run_cli("decrypt", sealed, env={"SEALFILE_AGE_KEY_FILE": str(tmp_path / "none.txt")}))
    assert str(sealed) in line and "no recipient could open the data key" in line


def test_debug_shows_the_traceback(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("--debug", "decrypt", tmp_path / "absent.yaml")
    assert result.returncode != 0
    assert "Traceback" in result.stderr


# --- verify and status ----------------------------------------------------------------------


def test_verify_ok(run_cli: RunCli, sealed: Path) -> None:
    result = run_cli("verify", sealed)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{sealed}: OK, unsigned\n"


def test_verify_tampered(run_cli: RunCli, sealed: Path) -> None:
    sealed.write_text(sealed.read_text().replace("eu-west-1", "us-east-1"))
    line = one_error_line(run_cli("verify", sealed))
    assert str(sealed) in line and "MAC" in line


def test_status_needs_no_key(run_cli: RunCli, sealed: Path, age_identity: AgeIdentity, tmp_path: Path) -> None:
    result = run_cli("status", "--values", sealed, env={"SEALFILE_AGE_KEY_FILE": str(tmp_path / "none.txt")})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"file: {sealed}\n" in out
    assert "format version: 2\n" in out
    assert "rule: unencrypted_suffix _unencrypted\n" in out
    assert "values: 5 (4 encrypted)\n" in out
    assert f"  - age: {age_identity.recipient}\n" in out
    for keypath in ("database.host", "database.password", "database.replicas.0.host", "database.replicas.1.host"):
        assert re.search(rf"^  {re.escape(keypath)}: \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ \(\d+[smh] ago\)$", out, re.M)
    assert "hunter2" not in out


def test_status_of_a_plaintext_file(run_cli: RunCli, plain: Path) -> None:
    line = one_error_line(run_cli("status", plain))
    assert "not a sealed file" in line


def test_status_of_a_malformed_token_names_its_path(run_cli: RunCli, sealed: Path) -> None:
    text = sealed.read_text()
    start = text.index("host: ENC[") + len("host: ")
    end = text.index("]", start) + 1
    sealed.write_text(text[:start] + "ENC[A]" + text[end:])
    line = one_error_line(run_cli("status", sealed))
    assert line == f"sealfile: error: {sealed}: database.host: a sealed value is damaged (not a Fernet token)"


@pytest.mark.parametrize("when", [2**64 - 1, 2**63, 253_402_300_800])
def test_status_of_a_token_dated_past_any_calendar_names_its_path(run_cli: RunCli, sealed: Path, when: int) -> None:
    """A token's time is readable (and writable) without its key; one past the year 9999 made status fail
    with an internal error (OverflowError) where it printed the date."""
    text = sealed.read_text()
    start = text.index("host: ENC[") + len("host: ENC[")
    end = text.index("]", start)
    raw = bytearray(base64.urlsafe_b64decode(text[start:end]))
    raw[1:9] = when.to_bytes(8, "big")
    sealed.write_text(text[:start] + base64.urlsafe_b64encode(bytes(raw)).decode() + text[end:])
    line = one_error_line(run_cli("status", sealed))
    assert line == f"sealfile: error: {sealed}: database.host: a sealed value is damaged (sealed after the year 9999)"


def test_encrypt_with_an_identity_instead_of_a_recipient_never_echoes_it(
    run_cli: RunCli, plain: Path, age_identity: AgeIdentity
) -> None:
    line = one_error_line(run_cli("encrypt", "--age", age_identity.identity, plain), code=2)
    assert "secret key" in line and "age-keygen -y" in line
    assert age_identity.identity not in line
    assert age_identity.identity[len("AGE-SECRET-KEY-"):] not in line


def test_decrypt_of_an_unknown_version_says_upgrade(run_cli: RunCli, sealed: Path) -> None:
    sealed.write_text(sealed.read_text().replace("  version: 2\n", "  version: 3\n"))
    line = one_error_line(run_cli("decrypt", sealed))
    assert line == (f"sealfile: error: {sealed}: sealfile.version: format version 3 is not supported "
                    "(this sealfile reads versions 1, 2); upgrade sealfile")


def test_help_and_version(run_cli: RunCli) -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("keygen", "encrypt", "decrypt", "verify", "status"):
        assert command in result.stdout
    result = run_cli("encrypt", "--help")
    assert "--age" in result.stdout and "--keyring" in result.stdout
    result = run_cli("--version")
    assert result.returncode == 0
    assert re.search(r"\d+\.\d+", result.stdout)


def test_encrypt_with_a_tampered_previous_names_the_previous_file(run_cli: RunCli, plain: Path, sealed: Path) -> None:
    sealed.write_text(sealed.read_text().replace("eu-west-1", "us-east-1"))
    line = one_error_line(run_cli("encrypt", "--previous", sealed, "-i", plain))
    assert line.startswith(f"sealfile: error: {sealed}: ")
    assert plain.read_text() == PLAINTEXT


def test_a_plaintext_holding_the_metadata_name_is_refused_in_its_syntax(run_cli: RunCli, tmp_path: Path,
                                                                         age_identity: AgeIdentity) -> None:
    """A dotenv line 'sealfile_x=1' was refused as 'the top-level key sealfile', a key the file does not hold."""
    for name, text, reserved in (("a.env", "sealfile_x=1\nB=2\n", "names starting with 'sealfile_' are reserved"),
                                 ("a.yaml", "sealfile: 1\n", "the top-level key 'sealfile' is reserved"),
                                 ("a.json", '{"sealfile": 1}\n', "the top-level key 'sealfile' is reserved")):
        (tmp_path / name).write_text(text)
        line = one_error_line(run_cli("encrypt", "--age", age_identity.recipient, "-i", tmp_path / name))
        assert line.endswith(f"{reserved} (is this file already sealed?)")
        assert (tmp_path / name).read_text() == text


def test_encrypt_without_recipients_names_the_key_keygen_made(run_cli: RunCli, isolated_env: Path,
                                                              tmp_path: Path) -> None:
    """Someone sealing a first file right after 'sealfile keygen' was told to name 'age1...': now their own."""
    plain = tmp_path / "secrets.yaml"
    plain.write_text("db:\n  password: hunter2\n")
    line = one_error_line(run_cli("encrypt", plain, cwd=tmp_path), code=2)
    assert "name recipients (e.g. --age age1..., from 'sealfile keygen')" in line
    recipient = run_cli("keygen").stdout.strip()
    line = one_error_line(run_cli("encrypt", plain, cwd=tmp_path), code=2)
    assert f"name recipients (e.g. --age {recipient}, your own key) or add a creation rule" in line
    assert "hunter2" not in line and not (tmp_path / "secrets.enc.yaml").exists()

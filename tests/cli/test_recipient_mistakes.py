"""A recipient given the way a newcomer first tries it (an age key file to --age, the identity itself, or the
recipient where FILES go) is refused in one line that says what to type instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
IDENTITY = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"


def _key_file(tmp_path: Path) -> Path:
    keys = tmp_path / "keys.txt"
    keys.write_text(f"# public key: {RECIPIENT}\n{IDENTITY}\n")
    return keys


def test_an_age_key_file_given_to_age_points_at_its_public_key_lines(tmp_path: Path) -> None:
    keys = _key_file(tmp_path)
    (tmp_path / "s.yaml").write_text("a: 1\n")
    result = run_cli("encrypt", "--age", keys, tmp_path / "s.yaml")
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"sealfile: error: Invalid value for '--age': {keys} is a file; --age takes a recipient (age1...): a key "
        f"file's recipients are its '# public key:' lines (grep 'public key' {keys}). Usage:")


def test_an_identity_given_to_age_says_where_its_public_key_is_without_age_keygen(tmp_path: Path) -> None:
    identity = _key_file(tmp_path).read_text().splitlines()[1]
    (tmp_path / "s.yaml").write_text("a: 1\n")
    result = run_cli("encrypt", "--age", identity, tmp_path / "s.yaml")
    assert result.returncode == 2
    assert "the '# public key: age1...' line above it in your key file" in result.stderr
    assert identity[len("AGE-SECRET-KEY-"):] not in result.stderr


@pytest.mark.parametrize("verb", ["add", "remove"])
@pytest.mark.parametrize("flag", [(), ("--age", RECIPIENT)])
def test_a_recipient_where_files_go_gives_the_command_with_its_kind(seal_file: SealFile, verb: str,
                                                                    flag: tuple[str, ...]) -> None:
    path = seal_file("a: 1\n")
    before = path.read_bytes()
    result = run_cli("recipients", verb, path, *flag, RECIPIENT)
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"sealfile: error: {RECIPIENT} is a recipient, not a file: name its kind "
        f"(sealfile recipients {verb} {path} --age {RECIPIENT}). Usage:")
    assert path.read_bytes() == before


def test_an_ssh_public_key_file_where_files_go_is_named_with_ssh(seal_file: SealFile, tmp_path: Path) -> None:
    path = seal_file("a: 1\n")
    pub = tmp_path / "mate.pub"
    pub.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHhDRGnVnNsJkmsN3n1d3LmpHZ6bGzvIz8dOgcRzQz9s mate\n")
    result = run_cli("recipients", "add", path, pub)
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"sealfile: error: {pub} is a recipient, not a file: name its kind (sealfile recipients add {path} --ssh "
        f"{pub}). Usage:")


@pytest.mark.parametrize("text", ["db:\n  password: ENC[x]\n", "API_KEY=abc\n", "\x00\xff binary"])
def test_keygen_never_appends_a_secret_key_to_a_file_that_is_not_an_identity_file(tmp_path: Path,
                                                                                  text: str) -> None:
    """``keygen -o secrets.enc.yaml`` (a newcomer's guess at -o) appended the private key to the secrets file:
    unreadable from then on, and a secret key where git commits it."""
    target = tmp_path / "secrets.enc.yaml"
    target.write_text(text, errors="surrogateescape")
    target.chmod(0o644)  # as git checks files out: refused for what it holds, not for its mode
    before = target.read_bytes()
    result = run_cli("keygen", "-o", target)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"sealfile: error: {target}: line 1 is not an age identity, so this is no identity "
                             "file: nothing was written (name a new file, or leave out -o)\n")
    assert target.read_bytes() == before


def test_keygen_adds_to_an_identity_file_with_comments_and_blank_lines(tmp_path: Path) -> None:
    target = tmp_path / "keys.txt"
    target.write_text(f"# created: today\n# public key: {RECIPIENT}\n{IDENTITY}\n\n")
    target.chmod(0o600)
    result = run_cli("keygen", "-o", target)
    assert result.returncode == 0, result.stderr
    assert target.read_text().count("AGE-SECRET-KEY-") == 2

"""Strings that are not UTF-8 (YAML ``!!binary`` of other bytes), encrypted or in plaintext, read and printed
as ``sops decrypt`` prints them: yaml.v3's ``!!binary`` (one plain line, or a ``|`` block of 70-character
lines), and ``encoding/json``'s ``\\ufffd`` escape for each byte that is not UTF-8."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sealfile
from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt, tool

SHORT = b"\x00\xff"
LONG = bytes(range(256))[120:220]  # past 70 base64 characters: several lines
TRUNCATED = b"ok \xe2\x98 \xed\xa0\x80"  # a cut-off sequence and an encoded surrogate: one U+FFFD a byte in Go
PLAIN = "".join(f"{name}{suffix}: !!binary {base64.b64encode(raw).decode()}\n"
                for name, raw in (("short", SHORT), ("long", LONG), ("cut", TRUNCATED))
                for suffix in ("", "_unencrypted")) + "list_unencrypted:\n  - !!binary AP8=\n  - x\n"


@pytest.fixture
def not_utf8(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(PLAIN)
    return sops_encrypt(plain, tmp_path / "bytes.yaml", "--age", sops_identity.recipient)


@pytest.mark.parametrize("args", [[], ["--output-type", "json"], ["--output-type", "yaml"],
                                  ["--extract", '["long_unencrypted"]'], ["--extract", '["list_unencrypted"]']])
def test_decrypt_prints_what_sops_prints(not_utf8: Path, args: list[str]) -> None:
    """Byte for byte: an extracted string is printed as its raw bytes."""
    theirs = subprocess.run([tool("sops"), "decrypt", *args, str(not_utf8)], capture_output=True, check=True)
    ours = subprocess.run([sys.executable, "-m", "sealfile", "decrypt", *args, str(not_utf8)], capture_output=True,
                          check=True)
    assert ours.stdout == theirs.stdout


def test_verify_and_load_secrets_read_plaintext_bytes(not_utf8: Path) -> None:
    assert sealfile_cli("verify", str(not_utf8), env={**os.environ}).returncode == 0
    data = sealfile.load_secrets(not_utf8, redacted=False)
    for name, raw in (("short", SHORT), ("long", LONG), ("cut", TRUNCATED)):
        assert data[name] == data[f"{name}_unencrypted"] == raw
    assert data["list_unencrypted"] == [SHORT, "x"]


@pytest.fixture
def not_utf8_json(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A JSON SOPS file holding those strings (written from the YAML: Go's JSON reader replaces such bytes)."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(PLAIN)
    return sops_encrypt(plain, tmp_path / "bytes.json", "--age", sops_identity.recipient, "--output-type", "json",
                        "--encrypted-regex", ".")  # plaintext bytes read back as U+FFFD: SOPS refuses its own MAC


def test_json_readers_get_one_replacement_character_a_byte(not_utf8_json: Path) -> None:
    theirs = run_sops(["decrypt", str(not_utf8_json)], {**os.environ})
    assert theirs.returncode == 0, theirs.stderr
    assert sealfile_cli("decrypt", str(not_utf8_json), env={**os.environ}).stdout == theirs.stdout
    expected = json.loads(theirs.stdout)
    assert expected["cut_unencrypted"] == "ok \ufffd\ufffd \ufffd\ufffd\ufffd"
    assert sealfile.load_secrets(not_utf8_json, redacted=False) == expected


KEYS_PLAIN = "!!binary /w==: top\nnested:\n  !!binary gA==: 1\nplain_unencrypted:\n  !!binary 7aCA: x\nok: 1\n"
NOT_UTF8_KEY = "a key that is not UTF-8 text (sops decrypt prints it as !!binary, which reads back as bytes"


@pytest.mark.parametrize("name", ["!!binary /w==", "nested:\n  !!binary gA==", "plain_unencrypted:\n  !!binary 7aCA"])
def test_a_key_that_is_not_utf8_is_refused_in_yaml_naming_why(name: str, sops_identity: AgeIdentity,
                                                               monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """yaml.v3 reads a ``!!binary`` key as a Go string of its bytes; ``sops decrypt`` prints it as ``!!binary``,
    which YAML readers read as bytes, and keys are text here: every YAML reading refuses in one line (it gave
    ``load_secrets`` a key of lone surrogates, and ``decrypt`` a YAML error about an escape)."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(f"{name}: 1\nok: 1\n")
    sealed = sops_encrypt(plain, tmp_path / "keys.yaml", "--age", sops_identity.recipient,
                          "--unencrypted-suffix", "_unencrypted")
    assert run_sops(["decrypt", str(sealed)], {**os.environ}).returncode == 0
    with pytest.raises(sealfile.FormatError, match="not UTF-8 text"):
        sealfile.load_secrets(sealed)
    for command in (["decrypt"], ["import-sops", "-o", str(tmp_path / "out.yaml")]):
        done = sealfile_cli(*command, str(sealed), env={**os.environ})
        assert done.returncode == 1 and NOT_UTF8_KEY in done.stderr and len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "out.yaml").exists()


def test_a_key_that_is_not_utf8_reads_as_json_prints_it(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    """``--output-type json`` prints the key with each such byte as U+FFFD, as Go's encoder writes it, like a
    value. (``sops encrypt --output-type json`` of it writes a file sops cannot open: the key path, part of each
    value's associated data, changes when Go writes U+FFFD; sealfile refuses that file too.)"""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(KEYS_PLAIN)
    sealed = sops_encrypt(plain, tmp_path / "keys.yaml", "--age", sops_identity.recipient)
    theirs = run_sops(["decrypt", "--output-type", "json", str(sealed)], {**os.environ})
    assert theirs.returncode == 0, theirs.stderr
    ours = sealfile_cli("decrypt", "--output-type", "json", str(sealed), env={**os.environ})
    assert ours.stdout == theirs.stdout
    assert list(json.loads(ours.stdout)) == ["\ufffd", "nested", "plain_unencrypted", "ok"]

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

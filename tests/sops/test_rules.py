"""SOPS's encryption rules and ``mac_only_encrypted``: the same values encrypted, the same MAC."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import FormatError, IntegrityError
from sealfile.ops.import_sops import import_sops
from sealfile.stores.yaml import reader as yaml_store
from tests.sops.conftest import AgeIdentity, assert_same, run_sops, sops_decrypt, sops_encrypt
from tests.support.cli import run_python

PLAIN = """\
user: admin
password: hunter2
port: 5432
nested:
  password_hash: abc
  note: hello
list: [1, two, 3.5]
"""


@pytest.mark.parametrize("flags", [
    ["--encrypted-regex", "^pass"],
    ["--encrypted-suffix", "word"],
    ["--unencrypted-regex", "^(user|note)$"],
    ["--mac-only-encrypted"],  # set through a .sops.yaml creation rule (no such CLI flag)
])
def test_rules_match_sops(flags: list[str], sops_identity: AgeIdentity, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(PLAIN)
    if flags == ["--mac-only-encrypted"]:
        config = tmp_path / ".sops.yaml"
        config.write_text(f"creation_rules:\n  - age: {sops_identity.recipient}\n"
                          "    encrypted_regex: ^pass\n    mac_only_encrypted: true\n")
        done = run_sops(["--config", str(config), "encrypt", str(plain)])
        assert done.returncode == 0, done.stderr
        sealed = tmp_path / "s.yaml"
        sealed.write_text(done.stdout)
        assert "mac_only_encrypted: true" in sealed.read_text()
    else:
        sealed = sops_encrypt(plain, tmp_path / "s.yaml", "--age", sops_identity.recipient, *flags)
    text = sealed.read_text()
    assert "hunter2" not in text
    assert_same(sealfile.load_secrets(sealed), sops_decrypt(sealed, sops_identity.key_file))

    imported = yaml_store.load_fast(import_sops(text, path=str(sealed)).sealed)
    assert (imported["user"] == "admin") == ("user: admin" in text)  # the same values stay readable

    sealed.write_text(text.replace("note: hello", "note: changed"))
    if "--mac-only-encrypted" in flags:  # plaintext values are outside the MAC, for SOPS too
        assert sealfile.load_secrets(sealed)["nested"]["note"] == "changed"
        assert run_sops(["decrypt", str(sealed)]).returncode == 0
    else:
        with pytest.raises(IntegrityError):
            sealfile.load_secrets(sealed)
        assert run_sops(["decrypt", str(sealed)]).returncode != 0


@pytest.mark.parametrize("flags", [
    ["--unencrypted-regex", r"^\w+$"], ["--encrypted-regex", r"\d"], ["--encrypted-regex", r"\bpass"],
    ["--unencrypted-regex", r"^[\w\s]+$"], ["--encrypted-regex", r"\S\W"],
])
def test_go_classes_are_ascii_as_sops_reads_them(flags: list[str], sops_identity: AgeIdentity, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """RE2's \\d, \\w, \\s and \\b are ASCII: Python's read p\u00e4ssword as one word, so a value SOPS left
    plain was taken for one it should have encrypted, and a valid file was refused."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text("p\u00e4ssword: one\nuser: two\nk\u0663: three\n\u00e9pass: four\nuser\u3000name: five\n",
                     encoding="utf-8")
    sealed = sops_encrypt(plain, tmp_path / "s.yaml", "--age", sops_identity.recipient, *flags)
    assert_same(sealfile.load_secrets(sealed), sops_decrypt(sealed, sops_identity.key_file))


def test_a_backtracking_rule_is_searched_in_linear_time(sops_identity: AgeIdentity, tmp_path: Path) -> None:
    """Go searches ``(a*)*b`` in linear time, so sops writes such a file without a pause; Python's
    ``re`` would take forever on the key below (a reader is a fresh process given a minute)."""
    plain = tmp_path / "plain.yaml"
    plain.write_text(f"{'a' * 40}: hunter2\nother: value\n")
    sealed = sops_encrypt(plain, tmp_path / "s.yaml", "--age", sops_identity.recipient,
                          "--unencrypted-regex", "(a*)*b")
    code = ("import sys, time, sealfile\nstart = time.process_time()\n"
            "print(sealfile.load_secrets(sys.argv[1], redacted=False)['other'], round(time.process_time() - start, 2))")
    done = run_python(f"import os; os.environ['SOPS_AGE_KEY_FILE'] = {str(sops_identity.key_file)!r}\n{code}", sealed)
    assert done.returncode == 0, done.stderr
    value, seconds = done.stdout.split()
    assert value == "value" and float(seconds) < 5


GO_KEYS = ('abc_key: 1\nAb9_key: 2\nplain: 3\nx.y: 4\n"a{,2}": 5\n\u00e9t\u00e9: 6\nS: 7\n"a&b": 8\n"[x": 9\n"~": 10\n'
           "bc: 11\nxBC: 12\n")
GO_PATTERNS = [
    r"\x{e9}", "a{,2}", "x{}", "a{,}", r"\123", r"^\101b", "[[:^alpha:]]", "^[a-z&&[^b]]+$", "[a||b]", "[~~]",
    "[[x]", "a{1001}", "(?i:a)b",
    # Python syntax that Go rejects: the pattern never matches, as in SOPS
    r"\u00e9", r"\U000000e9", r"\N{LATIN SMALL LETTER E WITH ACUTE}", "(?#c)abc", "(?x) a b c", r"\\u00e9",
    "(?a)abc", r"(a)(?P=n)", r"\\é",
]
CANNOT_EVALUATE = ["b(?i)C", "[x[:^alpha:]]", r"[\D]"]


@pytest.mark.parametrize("flag", ["--encrypted-regex", "--unencrypted-regex"])
@pytest.mark.parametrize("pattern", GO_PATTERNS + CANNOT_EVALUATE)
def test_go_patterns_select_the_values_sops_selects(pattern: str, flag: str, sops_identity: AgeIdentity,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read as Python's ``re`` reads them, these chose other values than Go does (a valid file refused as
    altered, or a MAC mismatch), printed a FutureWarning, or took Python-only syntax Go rejects for a
    pattern; one sealfile cannot evaluate is said in one line, never read as one that never matches."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(GO_KEYS, encoding="utf-8")
    sealed = sops_encrypt(plain, tmp_path / "s.yaml", "--age", sops_identity.recipient, flag, pattern)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if pattern in CANNOT_EVALUATE:
            with pytest.raises(FormatError, match="sealfile cannot"):
                sealfile.load_secrets(sealed)
            return
        assert_same(sealfile.load_secrets(sealed), sops_decrypt(sealed, sops_identity.key_file))

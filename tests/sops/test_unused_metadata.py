"""Metadata sops reads without using: a ``shamir_threshold`` that is absent, ``null``, zero or negative (sops
then combines whatever parts it recovers, at least two), and a recipient entry without a usable ``enc`` (sops
fails on trying that key alone). Both are outside the MAC and change nothing that is trusted: the combined
key must still open the MAC. sealfile refused such files, which sops opens; now it gives sops's verdict."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import SealfileError
from sealfile.ops.import_sops import import_sops
from tests.sops.conftest import AgeIdentity, assert_same, make_identity, run_sops, sops_decrypt, sops_key_groups


@pytest.fixture(scope="module")
def two_of_three(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[AgeIdentity]]:
    """A file for any 2 of 3 key groups of one age key each."""
    return sops_key_groups(tmp_path_factory.mktemp("groups"), 2, "user: admin\npassword: hunter2\nport: 5432\n")


def _verdicts(text: str, held: list[AgeIdentity], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "edited.yaml"
    path.write_text(text)
    keys = tmp_path / "keys.txt"
    keys.write_text("".join(identity.key_file.read_text() for identity in held))
    keys.chmod(0o600)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(keys))
    assert run_sops(["decrypt", str(path)], {**os.environ}).returncode == 0, "sops opens it"
    assert_same(sealfile.load_secrets(path, redacted=False), sops_decrypt(path, keys))
    return path


@pytest.mark.parametrize("threshold", [None, "null", "0", "-1"])
def test_a_file_without_a_positive_threshold_opens_with_the_parts_sops_combines(
        threshold: str | None, two_of_three: tuple[str, list[AgeIdentity]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """sealfile read an absent threshold as every group (and refused -1), so 2 of 3 keys were refused."""
    text, identities = two_of_three
    line = "" if threshold is None else f"    shamir_threshold: {threshold}\n"
    edited = text.replace("    shamir_threshold: 2\n", line)
    path = _verdicts(edited, identities[1:], tmp_path, monkeypatch)
    imported = import_sops(path.read_text(), path=str(path)).sealed  # a conversion is never easier to open
    assert re.search(r"^  threshold: 3$", imported, re.MULTILINE)


def test_one_part_is_still_refused_without_a_threshold(two_of_three: tuple[str, list[AgeIdentity]],
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, identities = two_of_three
    path = tmp_path / "edited.yaml"
    path.write_text(text.replace("    shamir_threshold: 2\n", ""))
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(identities[0].key_file))
    assert run_sops(["decrypt", str(path)], {**os.environ}).returncode != 0
    with pytest.raises(SealfileError, match="recovered 1 of the 2 key-group parts") as caught:
        sealfile.load_secrets(path)
    assert "\n" not in str(caught.value) and "hunter2" not in str(caught.value)


@pytest.mark.parametrize("entry", ["- recipient: age1nothing\n", "- {}\n", "- null\n", "- recipient: x\n  enc: 5\n"])
def test_an_entry_without_a_wrapped_key_is_a_failed_attempt(entry: str, two_of_three: tuple[str, list[AgeIdentity]],
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last group's entry replaced: sealfile refused the file ("a sops.age entry has no 'enc'")."""
    text, identities = two_of_three
    start = text.index(f"- recipient: {identities[2].recipient}\n")
    end = text.index("-----END AGE ENCRYPTED FILE-----\n", start) + len("-----END AGE ENCRYPTED FILE-----\n")
    indent = " " * (start - text.rindex("\n", 0, start) - 1)
    edited = text[:start] + entry.replace("\n", "\n" + indent).rstrip(" ") + text[end:]
    path = _verdicts(edited, identities[:2], tmp_path, monkeypatch)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(identities[0].key_file))
    sealfile.forget_data_keys()
    with pytest.raises(SealfileError, match=r"\(3 groups; group 2: .*; group 3: age "):
        sealfile.load_secrets(path)


def test_a_flat_list_entry_without_a_wrapped_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ours = make_identity(tmp_path / "ours")
    plain = tmp_path / "plain.yaml"
    plain.write_text("password: hunter2\n")
    done = run_sops(["encrypt", "--age", ours.recipient, str(plain)])
    assert done.returncode == 0, done.stderr
    edited = done.stdout.replace("    age:\n", "    age:\n        - recipient: age1nothing\n", 1)
    _verdicts(edited, [ours], tmp_path, monkeypatch)


def test_an_enc_that_is_a_mapping_is_refused_as_sops_refuses_it(
        two_of_three: tuple[str, list[AgeIdentity]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, identities = two_of_three
    entry = "            - recipient: x\n              enc: {a: 1}\n"
    edited = text.replace("          age:\n", "          age:\n" + entry, 1)
    path = tmp_path / "edited.yaml"
    path.write_text(edited)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(identities[0].key_file))
    assert run_sops(["decrypt", str(path)], {**os.environ}).returncode != 0
    with pytest.raises(SealfileError, match="entry's 'enc' is not text"):
        sealfile.load_secrets(path)

"""Spellings recorded in tokens are checked where they stand (:mod:`sealfile.stores.yaml.spelled`): the opened
text is read whole again only when the line scan cannot tell from the spellings' own lines, and a forged
spelling is refused either way."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sealfile.envelope.bulk import seal_many
from sealfile.errors import FormatError
from sealfile.model.paths import ListIndex, Path, encode_path
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from sealfile.stores.yaml import restore
from sealfile.stores.yaml.scan_check import CHECK_VARIABLE
from tests.support.identities import AgeIdentity
from tests.support.sealing import forge_with_valid_mac

CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"
PLAIN = (f"services:\n  web:\n    password: hunter2\n    certificate: |\n"
         f"{''.join('      ' + line + chr(10) for line in CERTIFICATE.splitlines())}"
         f"    port: 8080\n  hosts:\n  - a.example\n  - b.example\n")


def _whole_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts read whole again to check a decryption."""
    reads: list[str] = []
    check = restore._ensure_read_back

    def counted(text: str, *args: Any) -> None:
        reads.append(text)
        check(text, *args)

    monkeypatch.setattr(restore, "_ensure_read_back", counted)
    return reads


@pytest.mark.parametrize("check_mode", [False, True], ids=["as run", "suite's check"])
def test_a_block_scalars_recorded_spelling_is_checked_on_its_own_lines(
        age_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch, check_mode: bool,
        both_implementations: str) -> None:
    """A certificate's literal block keeps its spelling in its token; opening it read the whole decrypted text
    again (a third of a decrypt of the benchmark's file) to check the spelling's few lines."""
    if not check_mode:
        monkeypatch.delenv(CHECK_VARIABLE, raising=False)
    sealed = seal_text(PLAIN, [age_identity.key])
    reads = _whole_reads(monkeypatch)
    assert decrypt_text(sealed) == PLAIN
    # the suite's check reads it whole too, and compares the verdicts; ruamel's pure engine always reads it whole
    assert len(reads) == (check_mode if both_implementations == "fast" else 1)


def _forged(sealed: str, path: Path, value: bytes, spelling: bytes, indent: int) -> str:
    """``sealed`` with the token at ``path`` replaced by one of ``value`` recording ``spelling`` where it sits,
    the MAC made anew (what a holder of the data key can push), every other byte as sealfile wrote it."""
    data_key = read_document(sealed, get_store("yaml")).open().reuse().data_key
    record = b"L" + len(value).to_bytes(4, "big") + value + f"{indent},0:".encode() + spelling
    token, = seal_many(data_key, [(encode_path(path), record)], 1_700_000_000)

    def put(tree: Any) -> None:
        for segment in path[:-1]:
            tree = tree[segment]
        tree[path[-1]] = token

    with_mac = forge_with_valid_mac(sealed, put)
    old_token = dict(read_document(sealed, get_store("yaml")).tokens())[path]
    new_mac, = re.findall(r"(?m)^ *mac: (.*)$", with_mac)
    return re.sub(r"(?m)^( *mac: ).*$", lambda line: line[1] + new_mac, sealed.replace(old_token, token))


PASSWORD = ("services", "web", "password")
SECOND_HOST = ("services", "hosts", ListIndex(1))
FORGED = {
    "a line break out of a plain value": (PASSWORD, b"shunter2", b"hunter2\n    port: 1", 4),
    "a key after a block": (PASSWORD, b"shunter2\n", b"|\n      hunter2\n    extra: 1\n", 4),
    "another value on the line": (PASSWORD, b"shunter2", b"evil", 4),
    "a mapping in a list item": (SECOND_HOST, b"sb: x", b"b: x", 2),
    "a comment for the value": (PASSWORD, b"shunter2", b"# hunter2", 4),
    "a tag": (PASSWORD, b"shunter2", b"!!str evil", 4),
}


@pytest.mark.parametrize("check_mode", [False, True], ids=["as run", "suite's check"])
@pytest.mark.parametrize("case", sorted(FORGED))
def test_a_forged_spelling_is_refused_whether_or_not_read_whole(
        age_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch, case: str, check_mode: bool,
        both_implementations: str) -> None:
    if not check_mode:
        monkeypatch.delenv(CHECK_VARIABLE, raising=False)
    sealed = seal_text(PLAIN, [age_identity.key])
    path, value, spelling, indent = FORGED[case]
    forged = _forged(sealed, path, value, spelling, indent)
    reads = _whole_reads(monkeypatch)
    with pytest.raises(FormatError, match="would not read back as the sealed values"):
        decrypt_text(forged)
    assert reads or both_implementations == "general"  # the line scan could not vouch for it in place


@pytest.mark.parametrize("spelling", [b"'hunter2'", b'"hunter2"', b"hunter2  # kept"], ids=repr)
def test_another_spelling_of_the_same_value_is_kept_and_checked_in_place(
        age_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch, spelling: bytes, both_implementations: str) -> None:
    monkeypatch.delenv(CHECK_VARIABLE, raising=False)
    sealed = seal_text(PLAIN, [age_identity.key])
    forged = _forged(sealed, PASSWORD, b"shunter2", spelling, 4)
    reads = _whole_reads(monkeypatch)
    assert decrypt_text(forged) == PLAIN.replace("password: hunter2", "password: " + spelling.decode())
    assert reads == [] or both_implementations == "general"

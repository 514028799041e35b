"""``decrypt --extract`` and ``load_secrets(extract=)`` decrypt only the value or subtree they return.

The MAC is still checked over every token (it needs no decryption), so a token altered anywhere in
the file is refused even though it is never opened. Every value decryption is counted where it
happens: ``Fernet.decrypt`` (one token at a time) and the bulk opener's one AES pass (per token).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.fernet import Fernet

from sealfile.envelope import bulk
from sealfile.errors import IntegrityError
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores import Store, get_store
from tests.support.identities import AgeIdentity

YAML = """\
db:
  host: db.internal  # primary
  password: "s3cret"
  replicas:
    - r1.internal
    - r2.internal
    - r3.internal
api:
  token: tok-123
  retries: 3
  public_unencrypted: yes-public
flags: [true, false, null]
"""
JSON = ('{"db": {"host": "db.internal", "password": "s3cret", "replicas": ["r1.internal", "r2.internal", '
        '"r3.internal"]}, "api": {"token": "tok-123", "retries": 3}, "flags": [true, false, null]}')
DOTENV = "DB_HOST=db.internal\nDB_PASSWORD=s3cret\nAPI_TOKEN=tok-123\nRETRIES=3\n"
FILES = {"yaml": (YAML, 10), "json": (JSON, 10), "dotenv": (DOTENV, 4)}
"""store -> (plaintext, how many values the rules encrypt)."""


@pytest.fixture
def decryptions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per token decrypted, whichever way it was opened."""
    counted: list[int] = []
    one_by_one = Fernet.decrypt
    all_at_once = bulk._decrypt_cbc_all

    def fernet_decrypt(self: Fernet, token: bytes | str, ttl: int | None = None) -> bytes:
        counted.append(1)
        return one_by_one(self, token, ttl)

    def decrypt_cbc_all(key: bytes, tokens: list[bytes]) -> bytes:
        counted.extend(1 for _ in tokens)
        return all_at_once(key, tokens)

    monkeypatch.setattr(Fernet, "decrypt", fernet_decrypt)
    monkeypatch.setattr(bulk, "_decrypt_cbc_all", decrypt_cbc_all)
    return counted


def _sealed(name: str, age_identity: AgeIdentity) -> tuple[str, Store]:
    store = get_store(name)
    return seal_text(FILES[name][0], [age_identity.key], store=store), store


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_whole_decrypt_opens_every_value(name: str, age_identity: AgeIdentity, decryptions: list[int]) -> None:
    sealed, store = _sealed(name, age_identity)
    decryptions.clear()
    assert "tok-123" in decrypt_text(sealed, store=store)
    assert len(decryptions) == FILES[name][1]


@pytest.mark.parametrize(("name", "keypath"), [("yaml", "db.password"), ("json", "db.password"),
                                               ("dotenv", "DB_PASSWORD")])
def test_extracting_one_value_decrypts_exactly_one(name: str, keypath: str, age_identity: AgeIdentity,
                                                   decryptions: list[int]) -> None:
    sealed, store = _sealed(name, age_identity)
    decryptions.clear()
    assert decrypt_text(sealed, store=store, extract=keypath) == "s3cret"
    assert len(decryptions) == 1


@pytest.mark.parametrize("name", ["yaml", "json"])
def test_extracting_a_subtree_decrypts_exactly_its_values(name: str, age_identity: AgeIdentity,
                                                          decryptions: list[int]) -> None:
    sealed, store = _sealed(name, age_identity)
    decryptions.clear()
    text = decrypt_text(sealed, store=store, extract="db")
    assert "s3cret" in text and "r3.internal" in text and "tok-123" not in text
    assert len(decryptions) == 5
    decryptions.clear()
    assert "r2.internal" in decrypt_text(sealed, store=store, extract="db.replicas")
    assert len(decryptions) == 3


def test_an_extracted_yaml_subtree_keeps_its_layout(age_identity: AgeIdentity) -> None:
    sealed, store = _sealed("yaml", age_identity)
    assert decrypt_text(sealed, store=store, extract="db") == (
        'host: db.internal  # primary\npassword: "s3cret"\nreplicas:\n  - r1.internal\n  - r2.internal\n'
        "  - r3.internal\n")


@pytest.mark.parametrize("name", ["yaml", "json"])
def test_load_secrets_extract_decrypts_only_what_it_returns(name: str, age_identity: AgeIdentity, tmp_path: Any,
                                                            decryptions: list[int]) -> None:
    sealed, _ = _sealed(name, age_identity)
    path = tmp_path / f"secrets.enc.{name}"
    path.write_text(sealed)
    decryptions.clear()
    assert load_secrets(path, extract="db.replicas.1") == "r2.internal"
    assert len(decryptions) == 1
    decryptions.clear()
    assert load_secrets(path, extract="api", redacted=False) == {"token": "tok-123", "retries": 3} | (
        {"public_unencrypted": "yes-public"} if name == "yaml" else {})
    assert len(decryptions) == 2


def _damage_token(sealed: str, index: int) -> str:
    """The text with one character in the middle of its ``index``-th token changed."""
    token = list(re.finditer(r"ENC\[([A-Za-z0-9_=-]+)\]", sealed))[index]
    middle = token.start(1) + 40
    return sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1:]


def _to_plaintext(sealed: str, index: int) -> str:
    """The text with its ``index``-th token replaced by a plaintext string."""
    token = list(re.finditer(r"ENC\[[A-Za-z0-9_=-]+\]", sealed))[index]
    return sealed[:token.start()] + "forged" + sealed[token.end():]


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("tamper", [_damage_token, _to_plaintext])
def test_tampering_outside_the_extracted_value_is_refused(name: str, tamper: Callable[[str, int], str],
                                                          age_identity: AgeIdentity, decryptions: list[int]) -> None:
    sealed, store = _sealed(name, age_identity)
    keypath = "DB_PASSWORD" if name == "dotenv" else "db.password"
    tampered = tamper(sealed, -1)  # the last value, far from the extracted one
    assert read_document(tampered, store).leaves() != read_document(sealed, store).leaves()
    decryptions.clear()
    with pytest.raises(IntegrityError):
        decrypt_text(tampered, store=store, extract=keypath)
    assert decryptions == []  # refused before any value was decrypted

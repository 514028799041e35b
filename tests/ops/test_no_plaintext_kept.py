"""No cache outlives a read or a write with a decrypted value in it: resolvers remember scalars
only while they parse one text."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from sealfile import load_secrets
from sealfile.ops import change, read, seal
from sealfile.stores import get_store
from sealfile.stores.yaml import scalars
from sealfile.stores.yaml.basics import Engine
from sealfile.stores.yaml.engines import OnceVersionResolver
from sealfile.stores.yaml.scan import scan
from tests.support.identities import AgeIdentity

CANARY = "canary-s3cr3t-7fq2"
PLAIN = f"db:\n  user: admin\n  password: {CANARY}\nport: 5432\nnote: {CANARY}-unencrypted\n"


def _remembered() -> list[str]:
    gc.collect()
    return [value for resolver in gc.get_objects() if isinstance(resolver, OnceVersionResolver)
            for value in resolver._sealfile_plain if CANARY in value]


@pytest.mark.parametrize("engine", ["c", "pure"])
def test_a_parse_forgets_the_scalars_it_remembered(engine: Engine) -> None:
    assert scan(PLAIN, engine=engine).tree["db"]["password"] == CANARY
    assert _remembered() == []


def test_decrypt_and_writes_keep_no_plaintext_in_a_resolver(age_identity: AgeIdentity) -> None:
    store = get_store("yaml")
    sealed = seal.seal_text(PLAIN, [age_identity.key], store=store)
    assert read.decrypt_text(sealed, store=store) == PLAIN
    changed = change.set_value(sealed, "db.user", f"{CANARY}-user", store)
    assert CANARY in read.decrypt_text(change.rotate(changed, store), store=store)
    assert scalars.plain_ok(f"{CANARY}-rendered", flow=False)
    assert _remembered() == []


PLAINS = {  # a plaintext per store, its values holding the canary (the keys do not: a sealed file shows them)
    "json": '{\n  "db": {\n    "password": "%s"\n  },\n  "list": ["%s"]\n}\n',
    "yaml": "db:\n  password: %s\nlist:\n- %s\n",
    "dotenv": "PASSWORD=%s\nOTHER=%s\n",
}
NEW_KEY = {"json": "db.user", "yaml": "db.user", "dotenv": "USER"}


def _seal_and_set(syntax: str, canary: str, key: AgeIdentity, file: Path) -> str:
    """A plaintext made here and sealed, a value set in it, read back (and loaded from ``file``); only the sealed
    text goes back."""
    store = get_store(syntax)
    plaintext = PLAINS[syntax] % (f"{canary}-a", f"{canary}-b")
    sealed = change.set_value(seal.seal_text(plaintext, [key.key], store=store), NEW_KEY[syntax], f"{canary}-set",
                              store)
    assert f"{canary}-set" in read.decrypt_text(sealed, store=store)
    file.write_text(sealed)
    assert load_secrets(file, redacted=False, file_type=syntax) is not None
    return sealed


def _strings_held(canary: str) -> list[str]:
    """Every text a live object refers to (module caches, lru caches' keys) that holds ``canary``."""
    gc.collect()
    return [held[:40] for owner in gc.get_objects() for held in gc.get_referents(owner)
            if type(held) is str and canary in held and held is not canary]


@pytest.mark.parametrize("syntax", sorted(PLAINS))
def test_an_encrypt_and_a_set_leave_no_plaintext_referenced(syntax: str, age_identity: AgeIdentity,
                                                            tmp_path: Path) -> None:
    """A module-level cache keyed by a text (``dominant_line_break``'s ``lru_cache``, the per-thread C reader's
    ``_stream``) kept the last plaintexts written or read alive in the process after the command."""
    canary = f"canary-{syntax}-{id(object()):x}"  # made at run time: no constant of this module holds it
    sealed = _seal_and_set(syntax, canary, age_identity, tmp_path / f"sealed.{syntax}")
    assert canary not in sealed
    assert _strings_held(canary) == []

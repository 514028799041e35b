"""No cache outlives a read or a write with a decrypted value in it: resolvers remember scalars
only while they parse one text."""

from __future__ import annotations

import gc

import pytest

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

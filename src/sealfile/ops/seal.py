"""Sealing a plaintext document: ``encrypt``, and re-sealing an edited plaintext.

With ``previous`` (the same file sealed earlier) the data key, rules and every unchanged
ciphertext are kept, so a re-seal changes only what changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sealfile.envelope.core import Reuse, open_data_key, reuse_from, seal
from sealfile.kms.base import MasterKey
from sealfile.model.metadata import METADATA_KEY, Metadata
from sealfile.model.rules import EncryptionRules
from sealfile.ops.read import open_sealed_fast
from sealfile.stores import Store, get_store

YAML = get_store("yaml")


def attach_metadata(document: Any, meta: Metadata, store: Store | None = None) -> None:
    mapping = meta.to_mapping()
    for stanza in mapping["recipients"]:
        stanza["wrapped"] = (store or YAML).metadata_text(stanza["wrapped"])
    document[METADATA_KEY] = mapping


def seal_text(
    plaintext: str,
    keys: Iterable[MasterKey],
    rules: EncryptionRules | None = None,
    *,
    previous: str | None = None,
    clock: Callable[[], int] | None = None,
    store: Store | None = None,
    previous_store: Store | None = None,
    output: Store | None = None,
) -> str:
    """Seal a plaintext document (YAML unless ``store`` says otherwise). With ``previous`` (the
    same file sealed earlier), keep its data key, rules and every unchanged ciphertext, and its
    recipients unless ``keys`` names the recipients to use instead."""
    store = store or YAML
    document = store.load_editable(plaintext)
    reuse: Reuse | None = None
    if previous is not None:
        old, old_meta = open_sealed_fast(previous, previous_store or store)
        reuse = reuse_from(old, old_meta, open_data_key(old, old_meta))
        rules = rules or old_meta.rules
    meta = seal(document, keys, rules or EncryptionRules(), reuse=reuse, clock=clock)
    output = output or store
    attach_metadata(document, meta, output)
    return output.dump(document, like=plaintext if output is store else None)

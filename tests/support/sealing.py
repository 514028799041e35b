"""Helpers for tests that need sealed files (the fixtures are in ``tests/sealed_files.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sealfile.envelope.mac import encode_leaves
from sealfile.kms.age import AgeKey
from sealfile.ops import seal
from sealfile.ops.reader import read_document
from sealfile.ops.sealing import seal_metadata
from sealfile.ops.tree import dump_with_metadata, parse_sealed_tree
from sealfile.ops.tree_leaves import mac_leaves
from sealfile.stores import Store, get_store

SealFile = Callable[..., Path]
"""``seal_file(plaintext, name="secrets.enc.yaml", set_at=None) -> path`` (the fixture)."""


def seal_with_clock(plaintext: str, key: AgeKey, set_at: int) -> str:
    """Like ``seal.seal_text`` but every value records ``set_at`` as when it was set."""
    return seal.seal_text(plaintext, [key], clock=lambda: set_at)


def tamper(path: Path) -> None:
    """Swap two sealed values of a file: every token still decrypts, but the file is forged."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    sealed = [i for i, line in enumerate(lines) if "ENC[" in line]
    first, second = sealed[0], sealed[1]
    head_a, _, token_a = lines[first].partition("ENC[")
    head_b, _, token_b = lines[second].partition("ENC[")
    lines[first], lines[second] = head_a + "ENC[" + token_b, head_b + "ENC[" + token_a
    path.write_text("".join(lines), encoding="utf-8")


def forge_with_valid_mac(sealed: str, change: Callable[[Any], None], store: Store | None = None) -> str:
    """What a holder of the data key could write: ``change`` applied to the sealed tree (tokens
    moved, values added...) and the MAC recomputed, so only the per-value checks can catch it."""
    store = store or get_store("yaml")
    data_key = read_document(sealed, store).open().reuse().data_key
    tree, meta = parse_sealed_tree(sealed, store)
    change(tree)
    return dump_with_metadata(tree, seal_metadata(meta, data_key, encode_leaves(mac_leaves(tree, store))), store,
                              like=sealed)


def forged(plaintext: str, stanzas: list[dict[str, Any]], store: Store | None = None) -> tuple[str, bytes]:
    """What anyone who can write to the repository can commit without holding any key: values of
    their choosing sealed under a data key of their own, with recipient stanzas of their choosing
    (naming a host, role or profile). Returns the sealed text and that data key."""
    import os

    from sealfile.model.metadata import Stanza
    from sealfile.ops.document import Reuse

    data_key = os.urandom(32)
    reuse = Reuse(data_key, (tuple(Stanza.from_mapping(s) for s in stanzas),), {})
    return seal.seal_plaintext(plaintext, store or get_store("yaml"), [], None, reuse=reuse), data_key

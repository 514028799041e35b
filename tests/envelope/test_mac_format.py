"""The seal digest against docs/format.md §7 written out here, for parts of every frame size the writer
special-cases (short parts' frames are made once) and beyond."""

from __future__ import annotations

import hashlib
import json

import pytest

from sealfile.envelope.mac import seal_digest
from sealfile.model.metadata import Metadata, Stanza
from sealfile.model.rules import EncryptionRules


def _frame(part: bytes) -> bytes:
    return len(part).to_bytes(4, "big") + part


def _reference_digest(rule: bytes, recipients: dict[str, object], leaves: list[tuple[bytes, bytes]]) -> bytes:
    content = _frame(b"sealfile-mac") + _frame(b"2") + _frame(rule)
    content += _frame(json.dumps(recipients, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
    for path, leaf in leaves:
        content += _frame(path) + _frame(leaf)
    return hashlib.sha256(content).digest()


@pytest.mark.parametrize("size", [0, 1, 255, 256, 1023, 1024, 1025, 65_535, 65_536, 70_001])
def test_the_digest_frames_every_part_as_the_format_says(size: int) -> None:
    stanza = Stanza("age", {"recipient": "age1example"}, "-----BEGIN AGE ENCRYPTED FILE-----\nx\n")
    meta = Metadata(2, ((stanza,),), EncryptionRules(), "", 1)
    leaves = [(b"a\x00", b"P" + b"s" * size), (b"b" * size, b"E" + b"ENC[x]"), (b"", b"{")]
    recipients = {"groups": [[{"recipient": "age1example", "type": "age", "wrapped": stanza.wrapped}]], "threshold": 1}
    assert seal_digest(meta, leaves) == _reference_digest(b"unencrypted_suffix\x00_unencrypted", recipients, leaves)


@pytest.mark.parametrize(("plaintext", "kinds"), [
    ("a: 1\n---\nb: 2\n", None),  # every document holds a value: the digest it always had
    ("a: 1\n---\nb: 2\n---\n", b"mmn"),
    ("---\n---\na: 1\n--- {}\n", b"nmm"),
    ("a: 1\n", None),
])
def test_a_streams_documents_entry_is_the_last_as_the_format_says(plaintext: str, kinds: bytes | None) -> None:
    """§7: a stream with a document holding no value ends its entries in frame("documents") || frame(kinds)."""
    from sealfile.kms.age import AgeKey, generate_identity
    from sealfile.ops.reader import read_document
    from sealfile.ops.seal import seal_text
    from sealfile.ops.spliced import SplicedSealed
    from sealfile.stores import get_store

    document = read_document(seal_text(plaintext, [AgeKey(generate_identity()[1])]), get_store("yaml"))
    assert isinstance(document, SplicedSealed) and not document.scan.refs
    meta = document.metadata
    recipients = json.loads(meta.canonical_recipients())
    leaves = list(document.mac_input) + ([] if kinds is None else [(b"documents", kinds)])
    assert document.digest() == _reference_digest(meta.rules.canonical(), recipients, leaves)

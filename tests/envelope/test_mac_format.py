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

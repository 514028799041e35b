"""Records: what the frozen dataclasses they replace gave (equality, hashing, immutability, replace)
and a repr that keeps secrets out."""

from __future__ import annotations

import pytest

from sealfile.model.metadata import Metadata, Stanza
from sealfile.model.rules import EncryptionRules
from sealfile.ops.document import Reuse


def _stanza(wrapped: str = "WRAPPED-SECRET") -> Stanza:
    return Stanza("age", {"recipient": "age1abc"}, wrapped)


def test_equal_fields_equal_records_and_equal_hashes() -> None:
    assert EncryptionRules() == EncryptionRules("unencrypted_suffix", "_unencrypted")
    assert hash(EncryptionRules()) == hash(EncryptionRules())
    assert EncryptionRules() != EncryptionRules("encrypted_regex", "^pass")
    assert EncryptionRules() != ("unencrypted_suffix", "_unencrypted")  # not a tuple, not another type
    assert len({EncryptionRules(), EncryptionRules(), EncryptionRules("encrypted_regex", "x")}) == 2


def test_fields_are_read_only() -> None:
    rules = EncryptionRules()
    with pytest.raises(AttributeError):
        rules.kind = "encrypted_regex"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del rules.pattern
    assert rules.kind == "unencrypted_suffix"


def test_replace_builds_through_init_so_its_checks_run() -> None:
    meta = Metadata(2, ((_stanza(),),), EncryptionRules(), "mac-1")
    assert meta.replace(mac="mac-2") == Metadata(2, ((_stanza(),),), EncryptionRules(), "mac-2")
    assert meta.mac == "mac-1"
    with pytest.raises(Exception, match="threshold"):
        meta.replace(threshold=2)  # one group: the check in __init__ runs again
    with pytest.raises(TypeError, match="no field"):
        meta.replace(macs="x")


def test_repr_leaves_out_key_material() -> None:
    meta = Metadata(2, ((_stanza(),),), EncryptionRules(), "THE-MAC", signature="THE-SIGNATURE")
    reuse = Reuse(b"DATA-KEY-BYTES", meta.groups, {b"p": ("ENC[token]", b"PLAINTEXT")})
    for shown in (repr(meta), repr(_stanza()), repr(reuse)):
        for secret in ("WRAPPED-SECRET", "THE-MAC", "THE-SIGNATURE", "DATA-KEY-BYTES", "PLAINTEXT"):
            assert secret not in shown
    assert repr(EncryptionRules()) == "EncryptionRules(kind='unencrypted_suffix', pattern='_unencrypted')"


def test_a_stanza_keeps_its_own_copy_of_nested_fields() -> None:
    context = {"app": "billing"}
    grants = ["role-a"]
    stanza = Stanza("awskms", {"arn": "arn:aws:kms:eu-west-1:1:key/k", "context": context, "grants": grants}, "W")
    context["app"] = "changed"
    grants.append("role-b")
    stanza.to_mapping()["context"]["app"] = "changed through a mapping"
    assert stanza.fields["context"] == {"app": "billing"} and stanza.fields["grants"] == ["role-a"]
    assert stanza.to_mapping() == {"type": "awskms", "arn": "arn:aws:kms:eu-west-1:1:key/k",
                                   "context": {"app": "billing"}, "grants": ["role-a"], "wrapped": "W"}

"""The switch the dual-implementation fixture relies on really selects the implementation."""

from __future__ import annotations

from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.ops.spliced import SplicedSealed
from sealfile.ops.tree import TreeSealed
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity


def test_the_fixture_selects_the_engine(both_implementations: str, age_identity: AgeIdentity) -> None:
    document = read_document(seal_text("a: 1\n", [age_identity.key]), get_store("yaml"))
    assert isinstance(document, SplicedSealed)
    assert document.engine == ("c" if both_implementations == "fast" else "pure")


def test_other_syntaxes_always_take_the_general_one(age_identity: AgeIdentity) -> None:
    json = get_store("json")
    document = read_document(seal_text('{"a": 1}', [age_identity.key], store=json), json)
    assert type(document) is TreeSealed

"""Git's merge driver on sealed YAML files with an application's tags (docs/format.md §1.3): a tag is part of
its node, so theirs' change inside a tagged list keeps the list's tag, a tag changed on one side is taken, and
a tag changed differently on both sides is a conflict. A list is one merge item; written afresh from data, it
would lose its tag (the read-back compares data, which holds no tags)."""

from __future__ import annotations

import pytest

from sealfile.gitflow.merge import merge_texts
from sealfile.kms.age import AgeKey
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity

BASE = "a: !secret x\nb: 1\nc: !If [p, q]\nm: !Include\n  host: db\n  pw: x\n"

MERGED = {  # (theirs, ours, merged), each a plaintext sealed over the base
    "theirs changes a tagged list": (
        BASE.replace("[p, q]", "[p, z]"), BASE.replace("b: 1", "b: 2"),
        BASE.replace("[p, q]", "[p, z]").replace("b: 1", "b: 2")),
    "theirs changes tags": (
        BASE.replace("!If", "!Or").replace("!secret x", "!vault x"), BASE.replace("b: 1", "b: 2"),
        BASE.replace("!If", "!Or").replace("!secret x", "!vault x").replace("b: 1", "b: 2")),
    "both change values inside a tagged mapping": (
        BASE.replace("host: db", "host: h2"), BASE.replace("pw: x", "pw: z"),
        BASE.replace("host: db", "host: h2").replace("pw: x", "pw: z")),
    "theirs adds tagged values": (
        BASE + "sub: !Sub '${x}'\nl:\n  - !Ref k\n", BASE.replace("b: 1", "b: 2"),
        BASE.replace("b: 1", "b: 2") + "sub: !Sub '${x}'\nl:\n  - !Ref k\n"),
}


def _sealed(key: AgeKey, base: str, plaintext: str) -> str:
    return seal_text(plaintext, [key], previous=base)


@pytest.mark.parametrize("case", list(MERGED))
def test_theirs_tags_and_values_are_merged_into_ours(age_identity: AgeIdentity, case: str) -> None:
    theirs, ours, merged = MERGED[case]
    base = seal_text(BASE, [age_identity.key])
    result = merge_texts(base, _sealed(age_identity.key, base, ours), _sealed(age_identity.key, base, theirs),
                         get_store("yaml"))
    assert result.conflicts == []
    assert decrypt_text(result.text) == merged


def test_a_tag_changed_differently_on_both_sides_conflicts(age_identity: AgeIdentity) -> None:
    base = seal_text(BASE, [age_identity.key])
    ours = _sealed(age_identity.key, base, BASE.replace("!If", "!And"))
    theirs = _sealed(age_identity.key, base, BASE.replace("!If", "!Or").replace("b: 1", "b: 3"))
    result = merge_texts(base, ours, theirs, get_store("yaml"))
    assert result.conflicts == ["c"]
    assert decrypt_text(result.text) == BASE.replace("!If", "!And").replace("b: 1", "b: 3")

"""The keys a ``set`` creates are checked as the keys of a value it sets are: ``set f.json 'a[0]' v`` and
``set f.json a --type yaml '{0: v}'`` write the same integer key, which JSON cannot hold."""

from __future__ import annotations

import pytest

from sealfile.errors import FormatError
from sealfile.ops import change
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity


@pytest.mark.parametrize(("plaintext", "keypath", "parent", "value"), [
    ('{"a": {}}', "a[0]", "a", {0: "v"}),
    ('{"a": null}', "a[0]", "a", {0: "v"}),
    ('{"a": {}}', "a[true]", "a", {True: "v"}),
    ('{"a": 1}', "x[1].y", "x", {1: {"y": "v"}}),
])
def test_a_key_the_syntax_cannot_hold_is_refused_as_in_a_value(age_identity: AgeIdentity, plaintext: str,
                                                                keypath: str, parent: str, value: object) -> None:
    """It was written, then refused by the read-back check as "please report it". Below a null the refusal also
    says what the null would become."""
    json = get_store("json")
    sealed = seal_text(plaintext, [age_identity.key], store=json)
    with pytest.raises(FormatError) as by_path:
        change.set_value(sealed, keypath, "v", json)
    with pytest.raises(FormatError) as by_value:
        change.set_value(sealed, parent, value, json)
    assert by_value.value.message in by_path.value.message
    assert "report" not in by_path.value.message and by_path.value.keypath == keypath


def test_a_string_key_that_reads_as_a_number_is_set(age_identity: AgeIdentity) -> None:
    json = get_store("json")
    sealed = seal_text('{"a": {}}', [age_identity.key], store=json)
    assert '"0": ' in change.set_value(sealed, 'a["0"]', "v", json)

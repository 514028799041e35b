"""The keys a ``set`` creates are checked as the keys of a value it sets are: ``set f.json 'a[0]' v`` and
``set f.json a --type yaml '{0: v}'`` write the same integer key, which JSON cannot hold."""

from __future__ import annotations

import pytest

from sealfile.errors import FormatError, KeyPathError
from sealfile.ops import change
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity


@pytest.mark.parametrize(("plaintext", "keypath", "parent", "value"), [
    ('{"a": {}}', "a[0]", "a", {0: "v"}),
    ('{"a": null}', "a[true]", "a", {True: "v"}),
    ('{"a": {}}', "a[true]", "a", {True: "v"}),
    ('{"a": 1}', "x[true].y", "x", {True: {"y": "v"}}),
])
def test_a_key_the_syntax_cannot_hold_is_refused_as_in_a_value(age_identity: AgeIdentity, plaintext: str,
                                                                keypath: str, parent: str, value: object) -> None:
    """It was written, then refused by the read-back check as "please report it". Below a null the refusal also
    says what the null would become. (A bracketed index below a null or a missing key makes a list, as ``sops set``
    does: :func:`test_an_index_below_nothing_is_a_list_item_not_a_key`.)"""
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


def test_an_index_below_nothing_is_a_list_item_not_a_key(age_identity: AgeIdentity) -> None:
    """``a[0]`` below a null and ``x[0].y`` below a missing key were refused in JSON as the integer key 0 (and
    written as one in YAML); ``sops set`` makes a list, and so does ``set``. ``x[1].y`` there is refused as in an
    empty list, not as an integer key."""
    json = get_store("json")
    sealed = seal_text('{"a": null}', [age_identity.key], store=json)
    assert decrypt_text(change.set_value(sealed, "a[0]", "v", json), store=json) == '{"a": ["v"]}'
    made = decrypt_text(change.set_value(sealed, "x[0].y", "v", json), store=json)
    assert made == '{"a": null, "x": [{"y": "v"}]}'
    with pytest.raises(KeyPathError, match=r"no such list index \(the list is empty; 0 appends one\)"):
        change.set_value(sealed, "x[1].y", "v", json)

"""``unset`` of a list item in every syntax: the items after it move up one place."""

from __future__ import annotations

import pytest

from sealfile.envelope.token_shape import token_times
from sealfile.ops import change
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity


@pytest.mark.parametrize(("syntax", "plain"), [
    ("json", '{"a": [{"k": "x"}, "two", [3, "three"], 4], "b": 1}\n'),
    ("yaml", "a:\n  - k: x\n  - two\n  - [3, three]\n  - 4\nb: 1\n"),
])
@pytest.mark.parametrize("index", [0, 1, 3])
def test_unset_of_a_list_item_moves_the_later_items_up(age_identity: AgeIdentity, syntax: str, plain: str,
                                                       index: int) -> None:
    """The later items' tokens are bound to their old places: they are sealed again for the new ones
    (in JSON keeping when each was set)."""
    store = get_store(syntax)
    sealed = seal_text(plain, [age_identity.key], store=store, clock=lambda: 1_600_000_000)
    removed = change.unset_value(sealed, f"a.{index}", store)
    items: list[object] = [{"k": "x"}, "two", [3, "three"], 4]
    del items[index]
    assert read_document(removed, store).open().data() == {"a": items, "b": 1}
    if syntax == "json":
        assert set(token_times(read_document(removed, store).tokens())) == {1_600_000_000}

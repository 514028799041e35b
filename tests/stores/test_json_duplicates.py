"""A JSON duplicate key is refused naming its key path and line (the parser's hook cannot know them)."""

from __future__ import annotations

import pytest

from sealfile.errors import FormatError
from sealfile.stores import get_store


@pytest.mark.parametrize(("text", "keypath", "line"), [
    ('{"a": 1, "a": 2}', "a", 1),
    ('{"a": {"b": 1,\n  "b": 2}}', "a.b", 2),
    ('{"a": [{"x": 1}, {"y": [1, {"\\u0061": 1, "a": 2}]}]}', "a.1.y.1.a", 1),
    ('{\n"z": {"b": 1}, "k\\nl": 1,\n\n "k\\nl": 2}', '["k\\nl"]', 4),
])
def test_a_duplicate_key_is_named_with_its_place(text: str, keypath: str, line: int) -> None:
    with pytest.raises(FormatError, match=f"invalid JSON at line {line}: duplicate key") as refused:
        get_store("json").load_editable(text)
    assert refused.value.keypath == keypath
    assert "\n" not in str(refused.value)

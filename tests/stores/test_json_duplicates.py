"""What JSON does not allow is refused naming its place: a duplicate key with its key path and line (the
parser's hook cannot know them), JSONC's comments and trailing commas with what they are."""

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


@pytest.mark.parametrize(("text", "cause"), [
    ('{\n  // the compiler\n  "strict": true\n}\n', "line 2, column 3: Expecting property name enclosed in double "
                                                   "quotes (a comment: JSON has none; is this JSONC?)"),
    ('{\n  "a": 1, /* why */ "b": 2\n}', "(a comment: JSON has none; is this JSONC?)"),
    ('{\n  "a": [1, 2,],\n  "b": 2,\n}\n', "(a comma before the end: JSON allows none; is this JSONC?)"),
])
def test_jsonc_is_refused_naming_what_json_has_not(text: str, cause: str) -> None:
    """tsconfig.json and VS Code's settings.json are JSONC: Python's message alone named a missing name."""
    with pytest.raises(FormatError) as refused:
        get_store("json").load_editable(text)
    assert cause in str(refused.value) and "\n" not in str(refused.value)

"""A JSON list that gains or loses items keeps its own text: the other items' spellings, the
separators and brackets as written; what is written afresh into a CRLF file uses CRLF."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from sealfile.envelope.bulk import seal_many
from sealfile.errors import FormatError
from sealfile.model.paths import ListIndex, encode_path
from sealfile.model.scalars import encode_scalar
from sealfile.ops import change
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity
from tests.support.sealing import forge_with_valid_mac

JSON = get_store("json")


@pytest.mark.parametrize(("plain", "keypath", "expected"), [
    ('{\n  "a": "x",\n  "c": {\n    "q": 1\n  }\n}\n', "c.q", '{\n  "a": "x",\n  "c": {\n  }\n}\n'),
    ('{\n\t"only": 1\n}', "only", '{\n}'),
    ('{\r\n  "m": {\r\n    "z": {\r\n      "y": 2\r\n    }\r\n  }\r\n}', "m.z.y",
     '{\r\n  "m": {\r\n    "z": {\r\n    }\r\n  }\r\n}'),
    ('{"a": { "b": 1 }}', "a.b", '{"a": { }}'),
    ('{"a": {"b": 1}}', "a.b", '{"a": {}}'),
])
def test_a_mapping_emptied_by_unset_keeps_its_closing_text_as_a_list_does(age_identity: AgeIdentity, plain: str,
                                                                          keypath: str, expected: str) -> None:
    """Its last member goes with the text before it, as an emptied list's last item does: no line of
    blanks left between the braces (a real package.json's "dependencies" emptied)."""
    sealed = seal_text(plain, [age_identity.key], store=JSON)
    assert decrypt_text(change.unset_value(sealed, keypath, JSON), store=JSON) == expected


@pytest.mark.parametrize(("plain", "keypath", "expected"), [
    ('{\n "a": 1,\n\n  "b": 2,\n  "c": 3\n}\n', "a", '{\n  "b": 2,\n  "c": 3\n}\n'),
    ('{\r\n\t"a": 1,\r\n    "b": 2\r\n}', "a", '{\r\n    "b": 2\r\n}'),
    ('{ "a": 1,\n  "b": 2 }', "a", '{ "b": 2 }'),
    ('{\n  "a": 1, "b": 2\n}', "a", '{\n  "b": 2\n}'),
    ('{\n\t"a": 1\n\t,"b": 2\n}', "a", '{\n\t"b": 2\n}'),
    ('{\n  "a": 1\n  , "b": 2\n  , "c": 3\n}\n', "a", '{\n  "b": 2\n  , "c": 3\n}\n'),
    ('{\r\n  "a": {\r\n    "x": 1\r\n    ,"y": 2\r\n  }\r\n}', "a.x", '{\r\n  "a": {\r\n    "y": 2\r\n  }\r\n}'),
])
def test_unset_of_a_mapping_s_first_member_leaves_the_next_one_s_line_as_it_was(
        age_identity: AgeIdentity, plain: str, keypath: str, expected: str) -> None:
    """The next member keeps its own indentation (a CloudFormation template indenting its first key
    by one space and the rest by two had the second moved to one space), without the comma a file
    written comma first puts before it (that comma kept made the splice invalid JSON, and the whole
    file was written afresh: its layout lost, a line break added at its end)."""
    sealed = seal_text(plain, [age_identity.key], store=JSON)
    assert decrypt_text(change.unset_value(sealed, keypath, JSON), store=JSON) == expected


@pytest.mark.parametrize(("plain", "edit", "expected"), [
    ('{"a": [1.50, "\\u00e9", 3], "b": 1}', ("unset", "a.0"), '{"a": ["\\u00e9", 3], "b": 1}'),
    ('{"a": [1.50, "\\u00e9", 3], "b": 1}', ("unset", "a.1"), '{"a": [1.50, 3], "b": 1}'),
    ('{"a": [1.50, "\\u00e9", 3], "b": 1}', ("unset", "a.2"), '{"a": [1.50, "\\u00e9"], "b": 1}'),
    ('{"a": [1,2]}', ("set", "a.2", 3), '{"a": [1,2,3]}'),
    ('{"a": [ 1 ]}', ("unset", "a.0"), '{"a": [ ]}'),
    ('{"x_unencrypted": [1.50, 2.50, 1E3]}', ("unset", "x_unencrypted.0"), '{"x_unencrypted": [2.50, 1E3]}'),
    ('{\n  "a": [\n    1,\n    {"k": 2.0}\n  ]\n}', ("unset", "a.0"), '{\n  "a": [\n    {"k": 2.0}\n  ]\n}'),
    ('{\r\n  "a": [\r\n    1,\r\n    2\r\n  ]\r\n}', ("set", "a.2", {"x": 1}),
     '{\r\n  "a": [\r\n    1,\r\n    2,\r\n    {\r\n      "x": 1\r\n    }\r\n  ]\r\n}'),
    ('{\r\n  "a": 1\r\n}', ("set", "b", {"x": [1]}),
     '{\r\n  "a": 1,\r\n  "b": {\r\n    "x": [\r\n      1\r\n    ]\r\n  }\r\n}'),
])
def test_list_edits_keep_the_text_around_them(age_identity: AgeIdentity, plain: str, edit: tuple[object, ...],
                                              expected: str) -> None:
    sealed = seal_text(plain, [age_identity.key], store=JSON)
    if edit[0] == "unset":
        changed = change.unset_value(sealed, str(edit[1]), JSON)
    else:
        changed = change.set_value(sealed, str(edit[1]), edit[2], JSON)
    assert decrypt_text(changed, store=JSON) == expected


@pytest.mark.parametrize(("value", "cause"), [(float("nan"), "JSON cannot hold NaN"),
                                            (dt.date(2020, 1, 2), "JSON has no date values")])
def test_a_json_file_holding_a_value_json_cannot_hold_is_named_on_decrypt(age_identity: AgeIdentity, value: object,
                                                                          cause: str) -> None:
    """Such a file (sealed before these values were refused, or forged by a key holder) fails
    with its key path, not an internal error."""
    sealed = seal_text('{"a": [1, 2]}', [age_identity.key], store=JSON)
    data_key = read_document(sealed, JSON).open().reuse().data_key

    def put(tree: Any) -> None:
        tree["a"][1] = seal_many(data_key, [(encode_path(("a", ListIndex(1))), encode_scalar(value))], 1)[0]

    with pytest.raises(FormatError, match=cause) as refused:
        decrypt_text(forge_with_valid_mac(sealed, put, JSON), store=JSON)
    assert refused.value.keypath == "a.1"


def test_rewriting_a_one_line_file_looks_for_no_line_start_when_nothing_is_new(monkeypatch: Any) -> None:
    """Each mapping looked for the start of its line, which on a one-line file runs back to the text's start:
    50,000 small mappings took 5.5 s of a 7 MB file's decrypt. Only a new member needs that indentation."""
    from sealfile.stores import json_layout, json_spans

    calls: list[int] = []
    looked_up = json_layout._indent_at
    monkeypatch.setattr(json_layout, "_indent_at", lambda text, at: calls.append(at) or looked_up(text, at))
    text = "{" + ", ".join(f'"c{i}": {{"k": "v"}}' for i in range(200)) + "}"
    import json

    root = json_spans.layout(text)
    assert root is not None
    assert json_layout.splice(text, root, json.loads(text), json_layout.indent_unit(text)) == text
    assert calls == []


@pytest.mark.parametrize("text", ["ENC[abc=]", "ENC[ab_-]", "ENC[]", "ENC[a=b]", "ENC[a b]", "ENC[ab]x", "ENC[a+/]"])
def test_the_list_layout_takes_for_a_token_what_is_sealed_does(text: str) -> None:
    """Items are aligned with tokens as wildcards; a plaintext item spelled like one (``ENC[]``, ``ENC[a=b]``) was
    a wildcard too, under a second, looser pattern of a token."""
    from sealfile.model.scalars import is_sealed
    from sealfile.stores.json_layout import _ANY_TOKEN

    assert (_ANY_TOKEN.fullmatch(json.dumps(text)) is not None) == is_sealed(text)

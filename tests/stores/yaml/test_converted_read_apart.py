"""A value holding a character YAML parsers read apart (U+0085, U+2028, U+2029), sealed from JSON or
dotenv into YAML: the emitter wrote it raw in single quotes and the writer's read-back refused the
file ("the result would not read back"). Written escaped in double quotes, it means the same to all."""

from __future__ import annotations

import json

import pytest

from sealfile.kms.age import AgeKey
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from sealfile.stores.yaml.reader import READ_APART

APART = [char for char in READ_APART if char != "\ufeff"] + ["a\x85b\u2028c\u2029", "\ufeff\x85"]


@pytest.mark.parametrize("value", APART, ids=[f"U+{ord(v[0]):04X}-{len(v)}" for v in APART])
def test_json_values_and_keys_sealed_as_yaml(age_identity, value: str) -> None:  # type: ignore[no-untyped-def]
    data = {"a_unencrypted": value, "b": value, "list": [value, {"c_unencrypted": [value]}], f"k{value}": "v",
            f"k{value}_unencrypted": value}
    sealed = seal_text(json.dumps(data), [AgeKey(age_identity.recipient)], store=get_store("json"),
                       output=get_store("yaml"))
    assert all(char not in sealed for char in READ_APART)
    assert json.loads(decrypt_text(sealed, store=get_store("yaml"), output=get_store("json"))) == data


def test_dotenv_values_sealed_as_yaml(age_identity) -> None:  # type: ignore[no-untyped-def]
    sealed = seal_text('A="x\x85y"\nB_unencrypted="\u2028"\n', [AgeKey(age_identity.recipient)],
                       store=get_store("dotenv"), output=get_store("yaml"))
    assert "\x85" not in sealed and "\u2028" not in sealed
    assert json.loads(decrypt_text(sealed, store=get_store("yaml"), output=get_store("json"))) == {
        "A": "x\x85y", "B_unencrypted": "\u2028"}

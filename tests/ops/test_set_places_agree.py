"""One walk for every ``set``: the merge driver's plaintext edit (:func:`set_path`) places a value where
``sealfile set`` places it, in every syntax, and a YAML document's ``unset`` resolves as every other one does."""

from __future__ import annotations

from typing import Any

import pytest

from sealfile.errors import KeyPathError
from sealfile.model.paths import ListIndex, Path
from sealfile.ops import change
from sealfile.ops.plain_edit import plain_data, set_path
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity

# (syntax, plaintext, the key path ``sealfile set`` is given, the typed path the merge driver gives)
CASES = [
    ("json", '{\n  "resources": null,\n  "a": 1\n}\n', "resources.limits.cpu", ("resources", "limits", "cpu")),
    ("yaml", "resources:\na: 1\n", "resources.limits.cpu", ("resources", "limits", "cpu")),
    ("json", '{\n  "r": {"s": null}\n}\n', "r.s.t", ("r", "s", "t")),
    ("yaml", "l:\n- ~\n- b\n", "l[0].cpu", ("l", ListIndex(0), "cpu")),
    ("json", '{"l": [null, "b"]}\n', "l[0].cpu", ("l", ListIndex(0), "cpu")),
    ("yaml", "r: ~\n", 'r["x"]', ("r", "x")),
    ("json", '{"resources": 0}\n', "resources.limits", ("resources", "limits")),
    ("yaml", "resources: ''\n", "resources.limits", ("resources", "limits")),
    ("json", '{"resources": "null"}\n', "resources.limits", ("resources", "limits")),
    ("json", '{"a": 1}\n', "b.c.d", ("b", "c", "d")),
    ("yaml", "l: [a]\n", "l[1]", ("l", ListIndex(1))),
]


def _outcome(run: Any) -> Any:
    try:
        return run()
    except KeyPathError as err:
        return err.message


@pytest.mark.parametrize(("syntax", "plaintext", "keypath", "path"), CASES)
def test_the_merge_drivers_edit_places_a_value_where_set_does(age_identity: AgeIdentity, syntax: str, plaintext: str,
                                                              keypath: str, path: Path) -> None:
    store = get_store(syntax)
    sealed = seal_text(plaintext, [age_identity.key], store=store)

    def by_set() -> Any:
        return plain_data(decrypt_text(change.set_value(sealed, keypath, "2", store), store=store), store)

    assert _outcome(lambda: plain_data(set_path(plaintext, store, path, "2"), store)) == _outcome(by_set)


@pytest.mark.parametrize("syntax", ["json", "yaml"])
def test_a_merges_typed_path_names_exactly_its_key_in_every_syntax(syntax: str) -> None:
    """Theirs holds a key spelled otherwise than ours' (``é`` as a letter and a combining accent): a typed path
    names that key alone, so it is added, in JSON as in YAML (a typed key path from a user is asked about)."""
    store = get_store(syntax)
    plaintext = '{"caf\u00e9": 1}\n' if syntax == "json" else "caf\u00e9: 1\n"
    merged = plain_data(set_path(plaintext, store, ("cafe\u0301",), 2), store)
    assert merged == {"caf\u00e9": 1, "cafe\u0301": 2}


UNSETS = [("l: [a]\n", '{"l": ["a"]}', "l[1]"), ("l: [a]\n", '{"l": ["a"]}', "l[5]"),
          ("colour: 1\n", '{"colour": 1}', "color"), ("a.b: 1\n", '{"a.b": 1}', "a.b"),
          ("a: ~\n", '{"a": null}', "a.b")]


@pytest.mark.parametrize(("yaml_text", "json_text", "keypath"), UNSETS)
def test_unset_of_what_is_not_there_reads_the_same_in_yaml_and_json(age_identity: AgeIdentity, yaml_text: str,
                                                                     json_text: str, keypath: str) -> None:
    """The YAML text edit resolved an ``unset`` with its own walk: ``l[5]`` was told to use the next index to append."""
    errors = []
    for syntax, text in (("yaml", yaml_text), ("json", json_text)):
        store = get_store(syntax)
        document = read_document(seal_text(text, [age_identity.key], store=store), store).open()
        with pytest.raises(KeyPathError) as raised:
            document.unset(keypath)
        errors.append(raised.value.message)
    assert errors[0] == errors[1]
    assert "append" not in errors[0]


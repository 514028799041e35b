"""``set`` of a value the rules leave unencrypted writes it as the structural edit of the plaintext writes it
(:func:`sealfile.stores.yaml.edit.set_value`), whichever way it is made (the fast implementation splices the new
spelling into the sealed text and seals it again; other shapes take the structural edit): the result decrypts to
that edit's text byte for byte, every other token stays as it was, and the MAC covers the new value."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sealfile.errors import IntegrityError
from sealfile.kms.age import AgeKey
from sealfile.model.rules import EncryptionRules
from sealfile.ops.change import set_value
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores.yaml import edit as yaml_edit
from sealfile.stores.yaml.scan import scan
from tests.support.fast_path import age_key

__all__ = ["age_key"]

SUFFIX = """\
# settings
db:
  host: example.org   # the server
  port_unencrypted: 5432
  # between keys
  name_unencrypted: 'app'
  empty_unencrypted:
  quoted_unencrypted: "x"
list_unencrypted:
  - one
  - two
flow_unencrypted: {a: 1, b: [x, y]}
password: hunter2
"""
SUFFIX_PATHS = ["db.port_unencrypted", "db.name_unencrypted", "db.empty_unencrypted", "db.quoted_unencrypted",
                "list_unencrypted[1]", "flow_unencrypted.a", "flow_unencrypted.b[0]"]
REGEX = "public:\n  url: https://x.example\n  n: 3\nsecret: s\n---\npublic:\n  url: u\nsecret: t\n"
REGEX_PATHS = ["[0].public.url", "[0].public.n", "[1].public.url"]
TEXTS = {
    "suffix": (SUFFIX, EncryptionRules(), SUFFIX_PATHS),
    "suffix, CRLF": (SUFFIX.replace("\n", "\r\n"), EncryptionRules(), SUFFIX_PATHS),
    "suffix, BOM": ("\ufeff" + SUFFIX, EncryptionRules(), SUFFIX_PATHS),
    "unencrypted_regex, two documents": (REGEX, EncryptionRules("unencrypted_regex", "^public$"), REGEX_PATHS),
    "encrypted_regex": (SUFFIX, EncryptionRules("encrypted_regex", "^password$"), ["db.host", *SUFFIX_PATHS]),
}
VALUES: list[Any] = ["new", "6543", "", " lead", "yes", "null", "a: b", "x #y", "é ✓", "'q'", 7, 2.5, float("inf"),
                     True, None]
_TOKEN = re.compile(r"ENC\[[^\]]*\]")


def _structural(plaintext: str, keypath: str, value: Any) -> str:
    bom = "\ufeff" if plaintext.startswith("\ufeff") else ""
    body = plaintext[len(bom):]
    return bom + yaml_edit.set_value(body, scan(body), keypath, value)


@pytest.mark.parametrize("name", TEXTS)
def test_set_of_an_unencrypted_value_writes_what_the_structural_edit_writes(age_key: AgeKey, name: str) -> None:
    plaintext, rules, keypaths = TEXTS[name]
    sealed = seal_text(plaintext, [age_key], rules)
    tokens = set(_TOKEN.findall(sealed))
    cases = 0
    for keypath in keypaths:
        for value in VALUES:
            result = set_value(sealed, keypath, value)
            assert decrypt_text(result) == _structural(plaintext, keypath, value), (keypath, value)
            assert set(_TOKEN.findall(result)) == tokens, (keypath, value)  # nothing else sealed again
            cases += 1
    assert cases == len(keypaths) * len(VALUES)


def test_the_seal_covers_the_value_set(age_key: AgeKey) -> None:
    sealed = set_value(seal_text(SUFFIX, [age_key]), "db.port_unencrypted", 6543)
    assert "port_unencrypted: 6543\n" in sealed
    with pytest.raises(IntegrityError):
        decrypt_text(sealed.replace("port_unencrypted: 6543", "port_unencrypted: 6544"))


def test_a_set_that_writes_the_same_spelling_changes_nothing(age_key: AgeKey) -> None:
    sealed = seal_text(SUFFIX, [age_key])
    assert set_value(sealed, "db.port_unencrypted", 5432) == sealed
    assert set_value(sealed, "db.name_unencrypted", "app") != sealed  # written as set writes it: app, unquoted

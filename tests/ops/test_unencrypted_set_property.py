"""``set`` of any value the rules leave unencrypted, in any layout a person writes, decrypts to what the structural
edit of the plaintext writes (:func:`sealfile.stores.yaml.edit.set_value`), whichever way it is made (spliced into
the sealed text, or the structural edit of the whole file), and leaves every token as it was; where the structural
edit refuses the value, so does ``set``. The fixed cases are in test_unencrypted_set_splices.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from sealfile.errors import FormatError, SealfileError
from sealfile.kms.age import AgeKey
from sealfile.model.paths import format_keypath
from sealfile.model.rules import EncryptionRules
from sealfile.ops.change import set_value
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores.yaml.scan import scan
from tests.ops.test_unencrypted_set_splices import _structural
from tests.support.fast_path import age_key
from tests.support.yaml_layouts import WORDS, yaml_texts

__all__ = ["age_key"]

RULES = [EncryptionRules(), EncryptionRules("unencrypted_regex", "^(a|db|list|1|true|ü)$"),
         EncryptionRules("encrypted_regex", "^(password|token)$")]
SPELLINGS = ["", " lead", "trail ", "a: b", "x #y", "'q'", '"d"', "- x", "&a", "*a", "!t", "[1]", "{a: 1}", "%x",
             "@x", "`x", "? x", "|", ">", "#c", "a\tb", "é ✓", "\u2028", "\x85", "ENC[x]", "---", "..."]
# a sealed token only: the generator writes "ENC[not a token]" in values and comments
_TOKEN = re.compile(r"ENC\[gAAAA[^\]]*\]")
VALUES = st.one_of(st.text(max_size=8), st.sampled_from(WORDS + SPELLINGS), st.integers(),
                   st.floats(allow_nan=False), st.booleans(), st.none())


def _unencrypted_leaves(sealed: str) -> list[tuple[str, bool]]:
    """The key path of every value the seal left as it was (no token), and whether it is an empty mapping or list
    (the rules may encrypt a scalar written there)."""
    return [(format_keypath(leaf.path), isinstance(leaf.value, (dict, list)))
            for leaf in scan(sealed.removeprefix("\ufeff")).leaves
            if "sealfile" not in leaf.path[:2] and not _TOKEN.fullmatch(str(leaf.value))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(text=yaml_texts(), rules=st.sampled_from(RULES), choice=st.integers(min_value=0), value=VALUES)
@example(text="a: main\ndb: {}\n", rules=RULES[0], choice=0, value="x")  # db encrypted: was spliced in plain
@example(text="a: main\n---\na: main\ndb: []\n", rules=RULES[0], choice=0, value=None)
@example(text="a: main\n---\nhost_unencrypted: |\n main\n # ENC[not a token]\n", rules=RULES[0], choice=0, value=None)
def test_any_unencrypted_set_writes_what_the_structural_edit_writes(text: str, rules: EncryptionRules, choice: int,
                                                                   value: Any, age_key: AgeKey) -> None:
    try:
        sealed = seal_text(text, [age_key], rules)
    except FormatError:  # the generator can write what YAML forbids (a tab after a key...)
        assume(False)
        raise
    leaves = _unencrypted_leaves(sealed)
    assume(leaves)
    keypath, emptied = leaves[choice % len(leaves)]
    try:
        expected: str | None = _structural(decrypt_text(sealed), keypath, value)
    except SealfileError:
        expected = None
    if expected is None:
        with pytest.raises(SealfileError):
            set_value(sealed, keypath, value)
        return
    result = set_value(sealed, keypath, value)
    assert decrypt_text(result) == expected, (keypath, value)
    before, after = set(_TOKEN.findall(sealed)), set(_TOKEN.findall(result))
    assert before <= after, (keypath, value)  # every other value keeps its token
    assert len(after - before) <= emptied, (keypath, value)  # a new token only where the rules encrypt a new scalar

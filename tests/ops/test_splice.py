"""The spliced decrypt and set give what the round-trip path gives, and keep every other byte."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from sealfile import load_secrets
from sealfile.errors import KeyPathError
from sealfile.kms.age import AgeKey
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import Styled
from sealfile.ops.change import set_value
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.stores.yaml.roundtrip import to_node
from tests.support.fast_path import (
    age_key,
    benchmark_corpus,
    general_decrypt,
    seal,
    seal_document,
    spliced_decrypt,
    spliced_set,
)

__all__ = ["age_key"]

# Values that are plain-safe and have no end-of-line comments: here the spliced output must be
# byte-identical to the round-trip emitter's (ruamel moves comments after a shortened value).
PLAIN_SAFE = """\
# top comment
database:
  host: db.internal.example.com
  port: 5432
  ratio: 0.25
  enabled: true
  nothing: null
  tilde: ~
  empty:
  password: "dq-secret"
  token: 'sq-secret'
  url_unencrypted: https://example.com/x
  certificate: |
    -----BEGIN-----
    abc
    -----END-----
  no_newline: |-
    one
    two
  kept: |+
    end

servers:
  - name: alpha
    tags:
      - blue
      - green
  - name: beta
    weights: [1, 2, 3]
"""
FLOW = 'flow: {user: admin, pass: "p w", list: [a, 1]}\n'


AWKWARD = """\
values:
  needs_quotes: "a: b"
  hash: "x #y"
  starts_dash: "-x"
  looks_int: "0123"
  looks_bool: "true"
  looks_null: "null"
  leading_space: " x"
  unicode: "caf\u00e9 \U0001F600"
  escapes: "tab\\there\\nnewline"
  single_quote: 'it''s'
  folded: >
    folded
    text
  leading_newline: "\\nstarts with a break"
  date: 2024-01-01
  stamp: 2024-01-01 12:00:00
  big: 123456789012345678901234567890
  exp: 1.5e-20
  inf: -.inf
  comment: value  # with a comment
  seq_null:
    -
    - ~
"""

rt = YAML(typ="rt")


def _same_data(left: str, right: str) -> bool:
    return bool(rt.load(left) == rt.load(right))


@pytest.mark.parametrize("plaintext", [PLAIN_SAFE, FLOW, AWKWARD, benchmark_corpus(120)])
def test_spliced_decrypt_means_what_the_round_trip_decrypt_means(plaintext: str, age_key: AgeKey) -> None:
    sealed = seal(plaintext, age_key)
    expected = general_decrypt(sealed)
    fast = spliced_decrypt(sealed)
    output = fast if fast is not None else expected  # None: this file takes the round-trip path
    assert _same_data(output, expected)
    assert decrypt_text(sealed) in (output, expected)  # the one the selected implementation writes


def test_plain_safe_files_decrypt_byte_identical(age_key: AgeKey) -> None:
    sealed = seal(PLAIN_SAFE, age_key)
    fast = spliced_decrypt(sealed)
    assert fast is not None
    assert fast == general_decrypt(sealed)
    assert fast == PLAIN_SAFE


def test_flow_values_come_back_as_written(age_key: AgeKey) -> None:
    """The round-trip emitter turns ``admin`` into ``'admin'`` here (it keeps the quotes the
    token needed); the token records the plain style, so the spliced output is the original."""
    sealed = seal(FLOW, age_key)
    assert spliced_decrypt(sealed) == FLOW
    assert _same_data(FLOW, general_decrypt(sealed))


def test_awkward_values_are_spliced_not_handed_back(age_key: AgeKey) -> None:
    """Only the folded scalar needs the round-trip emitter; without it the fast path does all."""
    plaintext = AWKWARD.replace("  folded: >\n    folded\n    text\n", "")
    sealed = seal(plaintext, age_key)
    fast = spliced_decrypt(sealed)
    assert fast is not None
    assert _same_data(fast, general_decrypt(sealed))
    assert spliced_decrypt(seal(AWKWARD, age_key)) is None


MEANINGS = ["on", "yes", "no", "0123", "0o17", "1e3", ".inf", "~", "2024-01-01", "0x1F", "null", "true", "+1", "'on'",
            '"0123"', "1_000", "2024-01-01 10:00:00"]

# Keys must be strings, integers or booleans (docs/format.md §1): no floats, dates or nulls.
KEY_MEANINGS = ["on", "yes", "no", "0123", "0o17", "0x1F", '"0124"', "'1e3'", "'2024-01-01'", "'~'", "'.inf'", "false"]


def _meanings_document() -> str:
    lines = ["as_values:"]
    lines += [f"  v{i}: {text}" for i, text in enumerate(MEANINGS)]
    lines += ["as_plaintext_unencrypted:"]
    lines += [f"  v{i}: {text}" for i, text in enumerate(MEANINGS)]
    lines += ["as_keys:"]
    lines += [f"  {text}: k{i}" for i, text in enumerate(KEY_MEANINGS)]
    lines += ["in_flow: [" + ", ".join(MEANINGS) + "]"]
    return "\n".join(lines) + "\n"


def test_every_read_path_gives_the_round_trip_meaning(age_key: AgeKey, tmp_path: Path) -> None:
    sealed = seal(_meanings_document(), age_key)
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(sealed)
    reference = rt.load(general_decrypt(sealed))
    assert load_secrets(path) == reference
    assert rt.load(decrypt_text(sealed)) == reference
    fast = spliced_decrypt(sealed)
    assert fast is not None and rt.load(fast) == reference
    for index, text in enumerate(MEANINGS):
        extracted = decrypt_text(sealed, extract=f"as_values.v{index}")
        assert extracted == decrypt_text(sealed, extract=f"as_plaintext_unencrypted.v{index}"), text
    verify_text(sealed)


def _changed(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.parametrize(("keypath", "value", "shown"), [
    ("services.svc-00003.password", "new-secret", "password: new-secret"),
    ("services.svc-00001.password", "new secret", 'password: "new secret"'),  # keeps its double quotes
    ("services.svc-00002.password", "it's", "password: 'it''s'"),
    ("services.svc-00001.port", 6543, "port: 6543"),
    ("services.svc-00001.tags.1", "team-x", "- team-x"),
])
def test_set_changes_one_token_and_the_mac(keypath: str, value: object, shown: str, age_key: AgeKey,
                                           tmp_path: Path) -> None:
    sealed = seal(benchmark_corpus(60), age_key)
    spliced = spliced_set(sealed, keypath, value)
    assert spliced is not None
    assert set_value(sealed, keypath, value) != sealed
    changed = _changed(sealed, spliced)
    assert len(changed) == 4 and changed[-1].lstrip("+ ").startswith("mac: ")  # one value line, one mac line
    verify_text(spliced)
    path = tmp_path / "s.yaml"
    path.write_text(sealed)
    expected = load_secrets(path)
    node = expected
    parts = keypath.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(parts[-1]) if isinstance(node, list) else parts[-1]] = value
    path.write_text(spliced)
    assert load_secrets(path) == expected
    assert shown in decrypt_text(spliced)


def test_set_of_the_same_value_changes_nothing(age_key: AgeKey) -> None:
    sealed = seal("a: 1\nb: x\n", age_key)
    assert spliced_set(sealed, "a", 1) == sealed
    assert set_value(sealed, "b", "x") == sealed


def test_a_multi_line_value_becomes_a_literal_block(age_key: AgeKey) -> None:
    sealed = seal("a: one\nb: 2\n", age_key)
    spliced = spliced_set(sealed, "a", "line 1\nline 2\n")
    assert spliced is not None
    assert decrypt_text(spliced) == "a: |\n  line 1\n  line 2\nb: 2\n"


@pytest.mark.parametrize(("keypath", "value"), [
    ("new_key", "x"),            # a new key: the round-trip path creates it
    ("a", {"sub": 1}),           # a subtree
    ("list.2", "x"),             # appending to a list
    ("plain_unencrypted", "y"),  # a plaintext value
])
def test_other_edits_are_left_to_the_round_trip_path(keypath: str, value: object, age_key: AgeKey) -> None:
    sealed = seal("a: 1\nlist: [x, y]\nplain_unencrypted: z\n", age_key)
    assert spliced_set(sealed, keypath, value) is None


def test_a_path_through_a_scalar_is_the_same_error_on_both_paths(age_key: AgeKey) -> None:
    sealed = seal("a: 1\n", age_key)
    with pytest.raises(KeyPathError, match="not a mapping or list"):
        spliced_set(sealed, "a.b", "x")


def test_set_inside_a_flow_mapping(age_key: AgeKey) -> None:
    sealed = seal("creds: {user: admin, password: hunter2}\n", age_key)
    spliced = spliced_set(sealed, "creds.password", "s3cret")
    assert spliced is not None
    assert decrypt_text(spliced).startswith("creds: {user: admin, password: s3cret}")


_SCALAR_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(_SCALAR_TEXT, st.sampled_from(["on", "0123", "a: b", "x #y", "-", "?", "|x", "~"])),
                       min_size=1, max_size=8),
       styles=st.lists(st.sampled_from([None, '"', "'", "|"]), min_size=8, max_size=8),
       flow=st.booleans())
def test_any_string_in_any_style_decrypts_to_itself(values: list[str], styles: list[str | None], flow: bool,
                                                    age_key: AgeKey) -> None:
    """Plain strings that cannot stay plain, quotes, escapes, blocks: the spliced output reads
    back (ruamel) as exactly the strings that were sealed, whenever it does not hand back."""
    inner = CommentedMap()
    for index, value in enumerate(values):
        inner[f"k{index}"] = to_node(Styled(value, None if flow and styles[index] == "|" else styles[index]))
    if flow:
        inner.fa.set_flow_style()
    document = CommentedMap(values=inner)
    sealed = seal_document(document, [age_key], EncryptionRules())
    fast = spliced_decrypt(sealed)
    if fast is not None:
        assert dict(rt.load(fast)["values"]) == {f"k{i}": v for i, v in enumerate(values)}
        assert _same_data(fast, general_decrypt(sealed))

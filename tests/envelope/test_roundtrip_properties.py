"""Property: for any YAML tree, opening what we sealed gives back the same data, types included.

Random trees of nested mappings and sequences holding every scalar type the format promises
(str incl. empty, multi-line and look-alikes of numbers/booleans/null, int incl. big ints,
float, bool, null) under awkward keys, written as YAML by ruamel and sealed for an age key.
Checked through both readers: ``load_secrets`` (C parser) and ``decrypt_text`` (round trip).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString, SingleQuotedScalarString

from sealfile.envelope.datakey import forget_data_keys
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from tests.support.identities import AgeIdentity
from tests.support.values import safe_load, typed

LOOK_ALIKES = ["0123", "007", "1e3", "0x1F", "0o17", "1_000", "+1", "-0", ".5", "1.", ".inf", "-.Inf", ".nan",
               "true", "false", "True", "on", "off", "yes", "no", "y", "n", "null", "Null", "~", "", " ", "  x  ",
               "2001-12-14", "12:30:45", "ENC[abc]", "ENC[gAAAAA==]", "#not a comment", "a: b", "- x", "[1, 2]",
               "{a: 1}", "&anchor", "*alias", "!tag", "%", "@", "`", "'", '"', "\\", "tab\there", "é", "日本語",
               "emoji 🔐", "\u00a0nbsp", "line1\nline2", "trailing newline\n", "\n", "a\n\nb\n\n"]

# Characters YAML can carry in any style: no surrogates, no C0/C1 controls except tab and newline,
# no BOM or line/paragraph separators (YAML treats \x85, \u2028, \u2029 as line breaks).
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\u2028\u2029\x85")
    | st.sampled_from("\n\t "),
    max_size=40,
)
STRINGS = st.one_of(st.sampled_from(LOOK_ALIKES), TEXT)
SCALARS = st.one_of(
    STRINGS,
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
KEYS = st.one_of(
    st.sampled_from(["a", "db.host", "with space", "[0]", '["x"]', "0", "1", "", "-", "key_unencrypted",
                     "sealfile", "ünï", "a.b.c", "ENC[x]", "true", "null", "#", "x: y"]),
    TEXT.filter(lambda s: "\n" not in s),
    st.integers(min_value=-(10**6), max_value=10**6),
)


def trees(max_leaves: int = 25) -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(KEYS, children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


DOCUMENTS = st.dictionaries(KEYS.filter(lambda k: k != "sealfile"), trees(), min_size=1, max_size=5)


def _styled(value: Any, style: int) -> Any:
    """Write some strings quoted or as block scalars, as a person would."""
    if isinstance(value, dict):
        return {k: _styled(v, style + i) for i, (k, v) in enumerate(value.items())}
    if isinstance(value, list):
        return [_styled(v, style + i) for i, v in enumerate(value)]
    if isinstance(value, str):
        if style % 4 == 1:
            return SingleQuotedScalarString(value)
        if style % 4 == 2:
            return DoubleQuotedScalarString(value)
        blockable = value.endswith("\n") and value.strip() and "\t" not in value and not value[0].isspace()
        if style % 4 == 3 and blockable and all(line == line.rstrip() for line in value.splitlines()):
            return LiteralScalarString(value)
    return value


def to_yaml(data: Any, style: int) -> str:
    yaml = YAML(typ="rt")
    yaml.width = 60
    stream = io.StringIO()
    yaml.dump(_styled(data, style), stream)
    return stream.getvalue()


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


@PROPERTY
@given(data=DOCUMENTS, style=st.integers(min_value=0, max_value=3))
def test_load_secrets_gives_back_the_same_data(age_identity: AgeIdentity, tmp_path: Path, data: Any,
                                               style: int) -> None:
    plaintext = to_yaml(data, style)
    assert typed(safe_load(plaintext)) == typed(data)  # the strategy itself writes faithful YAML
    sealed = tmp_path / "secrets.enc.yaml"
    sealed.write_text(seal_text(plaintext, [age_identity.key]), encoding="utf-8")
    forget_data_keys()
    assert typed(load_secrets(sealed)) == typed(data)


@PROPERTY
@given(data=DOCUMENTS, style=st.integers(min_value=0, max_value=3))
def test_decrypt_text_gives_back_the_same_data(age_identity: AgeIdentity, data: Any, style: int) -> None:
    plaintext = to_yaml(data, style)
    sealed = seal_text(plaintext, [age_identity.key])
    opened = decrypt_text(sealed)
    assert typed(safe_load(opened)) == typed(data)


@PROPERTY
@given(data=DOCUMENTS)
def test_no_plaintext_scalar_survives_sealing(age_identity: AgeIdentity, data: Any) -> None:
    """Every encrypted leaf is an ENC[...] token: the sealed tree holds no value of the input."""
    plaintext = to_yaml(data, 0)
    sealed = safe_load(seal_text(plaintext, [age_identity.key]))
    sealed.pop("sealfile")

    def leaves(node: Any, under_plain: bool) -> list[tuple[Any, bool]]:
        if isinstance(node, dict):
            return [x for k, v in node.items()
                    for x in leaves(v, under_plain or (isinstance(k, str) and k.endswith("_unencrypted")))]
        if isinstance(node, list):
            return [x for v in node for x in leaves(v, under_plain)]
        return [(node, under_plain)]

    for value, plain in leaves(sealed, False):
        if not plain:
            assert isinstance(value, str)
            assert value.startswith("ENC[") and value.endswith("]")


@PROPERTY
@given(data=DOCUMENTS, style=st.integers(min_value=0, max_value=3))
def test_sealing_keeps_every_byte(age_identity: AgeIdentity, data: Any, style: int) -> None:
    """decrypt(seal(x)) == x: whatever the layout, quoting and block styles, every byte comes back."""
    plaintext = to_yaml(data, style)
    assert decrypt_text(seal_text(plaintext, [age_identity.key])) == plaintext


def test_a_plain_non_ascii_scalar_after_an_indicator_stays_plain(age_identity: AgeIdentity) -> None:
    assert decrypt_text(seal_text("a: :¡\n", [age_identity.key])) == "a: :¡\n"


def test_the_document_end_marker_after_a_kept_block_survives(age_identity: AgeIdentity) -> None:
    plaintext = "k: |+\n  a\n\n...\n"
    assert decrypt_text(seal_text(plaintext, [age_identity.key])) == plaintext

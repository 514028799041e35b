"""The YAML store refuses what the format cannot represent, with one clear line and no secret.

Anchors/aliases, duplicate keys, non-mapping top levels, custom tags and unparsable input are
refused both when sealing (round-trip reader) and when reading a sealed file (fast reader).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sealfile.errors import FormatError
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores.yaml.reader import load_fast
from sealfile.stores.yaml.roundtrip import dump_roundtrip, load_roundtrip
from tests.support.identities import AgeIdentity

SECRET = "hunter2-do-not-print"

REFUSED_PLAINTEXTS = {
    "anchor and alias on a mapping": (f"a: &x {{b: {SECRET}}}\nc: *x\n", "anchors and aliases"),
    "anchor and alias on a scalar": (f"a: &x {SECRET}\nc: *x\n", "anchors and aliases"),
    "anchor alone": (f"a: &x {SECRET}\n", "anchors and aliases"),
    "anchor on a sequence": (f"a: &x [{SECRET}]\n", "anchors and aliases"),
    "merge key": (f"base: &b {{x: {SECRET}}}\nd:\n  <<: *b\n", "anchors and aliases"),
    "duplicate key": (f"password: {SECRET}\npassword: other\n", "duplicate key"),
    "nested duplicate key": (f"a:\n  b: {SECRET}\n  b: 2\n", "duplicate key"),
    "top-level sequence": (f"- {SECRET}\n", "top level must be a mapping"),
    "top-level scalar": (f"{SECRET}\n", "top level must be a mapping"),
    "empty document": ("", "top level must be a mapping"),
    "custom tag on a scalar": (f"a: !secret {SECRET}\n", "custom YAML tags are not supported"),
    "custom tag on a mapping": (f"a: !obj {{b: {SECRET}}}\n", "custom YAML tags are not supported"),
    "custom tag on a sequence": (f"a: !obj [{SECRET}]\n", "custom YAML tags are not supported"),
    "syntax error": (f"password: '{SECRET}\n", "invalid YAML at line"),
    "tab indentation": (f"a:\n\tb: {SECRET}\n", "invalid YAML at line 2"),
    "two documents": (f"a: {SECRET}\n---\nb: 2\n", "invalid YAML"),
    "float key": (f"1.5: {SECRET}\n", "mapping keys must be"),
    "null key": (f"~: {SECRET}\n", "mapping keys must be"),
    "complex key": (f"? [a]\n: {SECRET}\n", "mapping keys must be"),
    "reserved sealfile key": ("sealfile: 1\n", "reserved"),
    "absurd nesting": ("a: " + "[" * 600 + "]" * 600 + "\n", "too deep"),
}


@pytest.mark.parametrize("case", list(REFUSED_PLAINTEXTS))
def test_sealing_refuses_with_a_clear_message(age_identity: AgeIdentity, case: str) -> None:
    text, expected = REFUSED_PLAINTEXTS[case]
    with pytest.raises(FormatError) as info:
        seal_text(text, [age_identity.key])
    message = str(info.value)
    assert expected in message
    assert SECRET not in message
    assert "\n" not in message


def test_alias_error_names_the_key_path(age_identity: AgeIdentity) -> None:
    with pytest.raises(FormatError) as info:
        seal_text("db:\n  a: &x {b: 1}\n  c: *x\n", [age_identity.key])
    assert info.value.keypath in ("db.a", "db.c")


def test_an_alias_smuggled_into_a_sealed_file_is_refused(age_identity: AgeIdentity, tmp_path: Path) -> None:
    sealed = seal_text("a:\n  b: 1\nc: 2\n", [age_identity.key])
    path = tmp_path / "s.yaml"
    path.write_text(sealed.replace("a:\n", "a: &x\n", 1).replace("c: ", "c: *x #", 1))
    with pytest.raises(FormatError, match="anchors and aliases"):
        load_secrets(path)


def test_both_readers_agree_on_yaml_1_2(age_identity: AgeIdentity) -> None:
    """YAML 1.2 on both paths: ``on``/``yes`` are strings, ``0o17`` is octal, ``017`` decimal."""
    text = "a: on\nb: yes\nc: 0o17\nd: 017\ne: 1_000\nf: .5\ng: 2001-12-14\nh: ~\n"
    rt, fast = load_roundtrip(text), load_fast(text)
    assert fast == {"a": "on", "b": "yes", "c": 15, "d": 17, "e": 1000, "f": 0.5, "g": rt["g"], "h": None}
    assert dict(rt) == fast


def test_long_values_are_never_folded() -> None:
    token = "ENC[" + "A" * 500 + "]"
    assert dump_roundtrip(load_roundtrip(f"a: {token}\n")) == f"a: {token}\n"


def test_round_trip_keeps_float_digits(age_identity: AgeIdentity, tmp_path: Path) -> None:
    plaintext = "value_unencrypted: 1.1887518879447826e+142\n"
    assert dump_roundtrip(load_roundtrip(plaintext)) == plaintext
    path = tmp_path / "s.yaml"
    path.write_text(seal_text(plaintext, [age_identity.key]))
    assert load_secrets(path) == {"value_unencrypted": 1.1887518879447826e142}


def test_standard_tags_are_accepted(age_identity: AgeIdentity, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(seal_text("a: !!str 12\nb_unencrypted: !!str 13\n", [age_identity.key]))
    assert load_secrets(path) == {"a": "12", "b_unencrypted": "13"}


@pytest.fixture
def fresh_roundtrip_reader() -> Iterator[None]:
    """Drop the cached round-trip YAML after a test that feeds it a %YAML directive, so the leak
    under test cannot reach later tests."""
    yield
    from sealfile.stores.yaml import roundtrip as store

    cached = getattr(store, "_roundtrip", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()


@pytest.mark.usefixtures("fresh_roundtrip_reader")
def test_a_yaml_directive_does_not_leak_into_later_documents() -> None:
    with pytest.raises(FormatError, match=r"only YAML 1\.2"):
        load_roundtrip("%YAML 1.1\n---\na: yes\n")
    assert load_roundtrip("%YAML 1.2\n---\na: yes\n") == {"a": "yes"}
    assert load_roundtrip("a: yes\n") == {"a": "yes"}
    assert dump_roundtrip(load_roundtrip("a: 1\n")) == "a: 1\n"


@pytest.mark.usefixtures("fresh_roundtrip_reader")
def test_both_readers_agree_under_a_yaml_1_1_directive() -> None:
    text = "%YAML 1.1\n---\na: yes\nb: 0777\n"
    try:
        rt = load_roundtrip(text)
    except FormatError:
        return  # refusing the directive is a fine answer
    assert dict(rt) == load_fast(text)


def test_a_yaml_set_is_refused_by_path(age_identity: AgeIdentity) -> None:
    for text in ("db:\n  s: !!set {a, b}\n", "db:\n  s_unencrypted: !!set {a, b}\n"):
        with pytest.raises(FormatError) as info:
            seal_text(text, [age_identity.key])
        assert info.value.keypath in ("db.s", "db.s_unencrypted")
        assert "CommentedSet" in str(info.value)

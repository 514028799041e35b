"""YAML's own tags (``!!str``, ``!!binary``, verbatim ``!<tag:yaml.org,2002:...>``) on sealed values
(docs/format.md §1): a tag the plaintext holds is sealed inside its value's token; one written outside a token
in a sealed file is covered by no seal, and is refused when the file is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.errors import FormatError
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.reader import FAST_PATH_ENV
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

CORE_TAGS = ["!!str", "!<tag:yaml.org,2002:str>", "!!binary", "!<tag:yaml.org,2002:binary>", "!!int", "!!null",
             "!!float", "!!bool", "!!timestamp", "!!map", "!!seq"]
PLACES = [  # (plaintext, the sealed text's start of the value at t, as written there)
    ("t: x\nu: y\n", "t: ENC[", "t: {tag} ENC["),
    ("t: x\nu: y\n", "t: ENC[", "t: {tag}\n  ENC["),  # the tag on its own line
    ("t: &a x\nu: *a\n", "t: &a ENC[", "t: &a {tag} ENC["),  # after an anchor
    ("l:\n  - x\nu: y\n", "  - ENC[", "  - {tag} ENC["),
    ("f: {t: x}\nu: y\n", "{t: \"ENC[", "{t: {tag} \"ENC["),
]


@pytest.mark.parametrize("tag", CORE_TAGS)
@pytest.mark.parametrize(("plaintext", "before", "after"), PLACES)
@pytest.mark.parametrize("fast", ["1", "0"])
def test_a_core_tag_written_outside_a_token_is_refused(age_identity: AgeIdentity, tag: str, plaintext: str,
                                                       before: str, after: str, fast: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_PATH_ENV, fast)
    sealed = seal_text(plaintext, [age_identity.key])
    tampered = sealed.replace(before, after.replace("{tag}", tag), 1)
    assert tampered != sealed
    for read in (verify_text, decrypt_text):
        with pytest.raises(FormatError) as info:
            read(tampered)
        assert info.value.keypath in ("t", "l.0", "f.t")


@pytest.mark.parametrize("tag", ["!!str", "!<tag:yaml.org,2002:str>"])
def test_the_cli_refuses_in_one_line_and_leaves_the_file(age_identity: AgeIdentity, tmp_path: Path,
                                                         run_cli: RunCli, tag: str) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("t: secret-value\n", [age_identity.key]).replace("t: ENC[", f"t: {tag} ENC["),
                    encoding="utf-8")
    written = path.read_bytes()
    for args in (["verify", path], ["decrypt", path], ["set", path, "u", "1"], ["set", path, "t", "2"]):
        result = run_cli(*args)
        assert result.returncode != 0, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path.name) in lines[0] and " t: " in lines[0] and "tag" in lines[0]
        assert "secret-value" not in result.stderr
        assert path.read_bytes() == written


@pytest.mark.parametrize("text", [
    "t: !!str x\n", "t: !!binary aGk=\n", "t: !<tag:yaml.org,2002:str> x\n", "t: !<tag:yaml.org,2002:int> 7\n",
    "t: [!!str x, !<tag:yaml.org,2002:binary> aGk=]\n", "t: &a !!str x\nu: *a\n",
    "t: !!str &a x\nu: *a\n",  # a string's tag before its anchor stays outside with the anchor (§1.1)
])
@pytest.mark.parametrize("fast", ["1", "0"])
def test_core_tags_of_the_plaintext_are_sealed_and_read_back(age_identity: AgeIdentity, text: str, fast: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_PATH_ENV, fast)
    sealed = seal_text(text, [age_identity.key])
    body = sealed.split("sealfile:", 1)[0]
    assert "!<" not in body and body.count("!!") == text.count("!!str &")
    verify_text(sealed)
    assert decrypt_text(sealed) == text


@pytest.mark.parametrize("text", ["t: !<tag:yaml.org,2002:int> x\n", "t: !<tag:example.com,2000:x> x\n",
                                  "t: !<tag:yaml.org,2002:python/name:os.system> x\n"])
def test_verbatim_tags_other_than_a_good_standard_one_are_refused(age_identity: AgeIdentity, text: str) -> None:
    with pytest.raises(FormatError) as info:
        seal_text(text, [age_identity.key])
    assert info.value.keypath == "t"


@pytest.mark.parametrize(("plaintext", "anchor"), [
    ("n: &a 5432\nu: *a\n", "&a"), ("b: &a true\nu: *a\n", "&a"), ("z: &a null\nu: *a\n", "&a"),
    ("f: &a 1.5\nu: *a\n", "&a"), ("l:\n  - &a 7\nu: *a\n", "&a"),
])
@pytest.mark.parametrize("fast", ["1", "0"])
def test_a_string_tag_before_the_anchor_of_another_type_is_refused(age_identity: AgeIdentity, plaintext: str,
                                                                   anchor: str, fast: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``!!str &a`` stays outside the token (a string's tag before its anchor, §1.1), so no seal covers it: put
    before a number, a boolean or a null it would make every YAML reader of the decrypted text read a string
    where ``load_secrets`` gives the sealed type. Whoever sealed the file wrote it only before a string."""
    monkeypatch.setenv(FAST_PATH_ENV, fast)
    sealed = seal_text(plaintext, [age_identity.key])
    tampered = sealed.replace(f"{anchor} ENC[", f"!!str {anchor} ENC[", 1)
    assert tampered != sealed
    for read in (decrypt_text, lambda text: decrypt_text(text, output=get_store("json"))):
        with pytest.raises(FormatError) as info:
            read(tampered)
        assert info.value.keypath in ("n", "b", "z", "f", "l.0")
        assert "!!str" in str(info.value)


class _NodeAsked:
    """A leaf that must not be looked at (the tag check's loop reads each leaf's start)."""

    value = "ENC[x]"

    @property
    def start(self) -> int:
        raise AssertionError("the tag check looked at a leaf of a text holding no '!'")


def test_a_text_without_a_tag_character_is_not_checked_leaf_by_leaf() -> None:
    """The usual sealed file holds no '!': one search for it in C, not a Python loop over every leaf (a
    3,000-value ``status`` spent ~1% of its instructions there). A text holding one is still checked."""
    from sealfile.stores.yaml.sealed import refuse_tags_outside_tokens

    refuse_tags_outside_tokens("t: ENC[x]\n", [_NodeAsked()])  # type: ignore[list-item]
    with pytest.raises(AssertionError, match="looked at a leaf"):
        refuse_tags_outside_tokens("!t: ENC[x]\n", [_NodeAsked()])  # type: ignore[list-item]

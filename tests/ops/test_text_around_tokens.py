"""What the seal covers of the text around the tokens is what the sealed text's reader sees there
(docs/format.md §1, §5.1, §7); a token's recorded spelling may mean more than its span. A ``%TAG``
directive is not data, yet it gives the tags of recorded spellings their meaning; an anchor that
no alias named was sealed inside its value's token, yet it names that value for every alias after
it in the decrypted text. Whoever can change the file's bytes can change either without breaking
the MAC: ``decrypt`` must never print a text that means other than what the file holds."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pyrage
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sealfile.errors import FormatError
from sealfile.kms.age import AgeKey
from sealfile.model.metadata import Stanza
from sealfile.model.scalars import same_data
from sealfile.ops.document import Reuse
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_plaintext, seal_text
from sealfile.ops.spliced import SplicedSealed
from sealfile.stores import get_store
from tests.stores.yaml.test_aliases import _alias_texts
from tests.support.identities import AgeIdentity

TAGGED = 'pin: !!str 0123\nport: !!int "7"\nname: app\n'
HANDLED = '%TAG !e! tag:yaml.org,2002:\n---\ndb:\n  pin: !e!str 0123\n  port: !e!int "7"\n'


def _safe(text: str) -> Any:
    return YAML(typ="safe").load(text)


def _held(sealed: str) -> Any:
    """What the file holds, MAC checked: what ``load_secrets`` and ``--output-type json`` give."""
    return read_document(sealed, get_store("yaml")).open().data()


@pytest.mark.parametrize("directive", ["%TAG !! tag:evil/", "%TAG !! !", "%TAG !! tag:yaml.org,2002:in"])
def test_a_tag_directive_added_before_sealed_values_is_refused_by_decrypt(age_identity: AgeIdentity,
                                                                         directive: str) -> None:
    """``%TAG !! tag:evil/`` re-points ``!!``: the MAC still holds (no value, path or tag of the
    sealed text changed), but the decrypted text's ``!!str 0123`` was printed as it was recorded,
    a tag ruamel cannot read (``tag:evil/str``), and Go's yaml.v3 reads ``!!int "7"`` as a string."""
    forged = f"{directive}\n---\n" + seal_text(TAGGED, [age_identity.key])
    assert _held(forged) == {"pin": "0123", "port": 7, "name": "app"}
    with pytest.raises(FormatError, match="would not read back as the sealed values") as info:
        decrypt_text(forged)
    assert "0123" not in str(info.value) and info.value.keypath == "pin"
    assert json.loads(decrypt_text(forged, output=get_store("json"))) == _held(forged)


def test_a_tag_directive_removed_from_around_sealed_values_is_refused_by_decrypt(age_identity: AgeIdentity) -> None:
    """Without its ``%TAG``, a recorded ``!e!str 0123`` names a handle no directive declares."""
    sealed = seal_text(HANDLED, [age_identity.key])
    forged = sealed.replace("%TAG !e! tag:yaml.org,2002:\n---\n", "", 1)
    assert forged != sealed and _held(forged) == _safe(HANDLED)
    with pytest.raises(FormatError, match="would not read back"):
        decrypt_text(forged)


def test_a_file_with_tag_directives_decrypts_and_extracts_as_it_means(age_identity: AgeIdentity) -> None:
    sealed = seal_text(HANDLED, [age_identity.key])
    assert decrypt_text(sealed) == HANDLED
    # a subtree's text has no directive of its own: written out, its tags standard ones
    assert _safe(decrypt_text(sealed, extract="db")) == {"pin": "0123", "port": 7}


LEGACY = Path(__file__).resolve().parents[1] / "corpus" / "anchor-in-token"
"""Files sealed by sealfile 0.2 before anchors were kept outside tokens (for the identity in
``corpus/v1/age-key.txt``): an anchor no alias named was sealed inside its value's token, out of
the sealed text's sight. Such files stay readable, so what was possible with them stays tested."""
HIDDEN_ANCHOR = "prod_pw: &prod prod-secret\ndev_pw: &dev dev-secret\nprod:\n  password: *prod\n"
ANCHOR_ONLY = "token: &t s3cret\ndb: &db {user: app}\n"
TAG_FIRST = {HIDDEN_ANCHOR: HIDDEN_ANCHOR.replace("&dev dev-secret", "!!int &dev 7"),
          ANCHOR_ONLY: ANCHOR_ONLY.replace("&t s3cret", "!!int &t 7")}
"""The same with the anchor after the tag of a value other than a string, which a new file still
seals inside its token (``!!int &dev ENC[...]`` would not be an int)."""
_LEGACY_FILES = {HIDDEN_ANCHOR: "hidden-anchor.enc.yaml", ANCHOR_ONLY: "anchor-only.enc.yaml"}


@pytest.fixture(params=["sealed before", "tagged"])
def hiding(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """``(plaintext, sealed)`` for a plaintext whose anchor the sealed text does not show."""
    identity = (LEGACY.parent / "v1" / "age-key.txt").read_text()
    key = tmp_path / "keys.txt"
    key.write_text(identity)
    key.chmod(0o600)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(key))
    recipient = AgeKey(str(pyrage.x25519.Identity.from_str(identity.split()[-1]).to_public()))

    def hidden(plaintext: str) -> tuple[str, str]:
        if request.param == "tagged":
            return TAG_FIRST[plaintext], seal_text(TAG_FIRST[plaintext], [recipient])
        return plaintext, (LEGACY / _LEGACY_FILES[plaintext]).read_text()
    return hidden


@pytest.mark.parametrize("plaintext", [HIDDEN_ANCHOR, ANCHOR_ONLY])
def test_every_anchor_is_sealed_in_sight(age_identity: AgeIdentity, plaintext: str) -> None:
    """No anchor of a scalar written anchor first is hidden in its token: each stands in the sealed
    text, before its token."""
    sealed = seal_text(plaintext, [age_identity.key])
    assert all(f"{anchor} ENC[" in sealed or f"{anchor} {{" in sealed for anchor in re.findall(r"&\w+", plaintext))
    assert decrypt_text(sealed) == plaintext


def test_an_alias_renamed_to_an_anchor_inside_a_token_is_refused_by_decrypt(hiding: Any) -> None:
    """``&prod``/``*prod`` renamed ``&dev``/``*dev`` in a file whose ``&dev`` is inside its token: the
    sealed text's reader still resolves the alias to ``prod_pw`` (the anchor it sees), so the seal's
    alias entry and the MAC hold; the decrypted text, with ``dev_pw: &dev ...`` restored between
    them, gave ``prod.password`` the dev value to every YAML reader of it."""
    plaintext, sealed = hiding(HIDDEN_ANCHOR)
    assert "&dev" not in sealed and decrypt_text(sealed) == plaintext
    forged = sealed.replace("&prod ", "&dev ", 1).replace("*prod\n", "*dev\n", 1)
    assert forged != sealed and _held(forged) == _safe(plaintext)
    with pytest.raises(FormatError, match="would not read back") as info:
        decrypt_text(forged)
    assert "secret" not in str(info.value)
    assert decrypt_text(forged, extract="prod.password") == "prod-secret"


def test_an_anchor_renamed_to_one_inside_a_token_is_refused_by_decrypt(hiding: Any) -> None:
    """No alias at all: an anchor on a mapping renamed to the name sealed inside a token. The seal
    has no entry for an anchor nothing names, so the MAC holds; the decrypted text held two anchors
    of one name, which ruamel refuses to read (and Go and ruamel's pure engine take the last of)."""
    plaintext, sealed = hiding(ANCHOR_ONLY)
    assert "&t" not in sealed and decrypt_text(sealed) == plaintext
    forged = sealed.replace("&db ", "&t ", 1)
    assert forged != sealed and _held(forged) == _safe(plaintext)
    with pytest.raises(FormatError, match="would not read back"):
        decrypt_text(forged)


@settings(suppress_health_check=[HealthCheck.filter_too_much])
@given(_alias_texts(), st.data())
def test_anchor_names_the_seal_does_not_cover_never_change_what_decrypt_prints(text: str, data: st.DataObject) -> None:
    """Anchor and alias names are layout: any renaming the seal's digest does not see either leaves
    the decrypted text meaning what the file holds, or has it refused (with a ``%TAG`` added too).
    Most renamings change the digest (anchors stay outside tokens, where the reader sees them): they
    are filtered out, as they should be."""
    data_key = os.urandom(32)  # no recipient key at work: a stanza of any wrapped text
    stanza = Stanza.from_mapping({"type": "age", "recipient": "age1" + "q" * 58, "wrapped": "AAAA"})
    store = get_store("yaml")
    sealed = seal_plaintext(text, store, [], reuse=Reuse(data_key, ((stanza,),), {}))
    body, marker, metadata = sealed.partition("\nsealfile:")
    names = sorted(set(re.findall(r"[&*](a\d+)\b", text)))  # those sealed inside tokens too
    renamed = re.sub(r"([&*])(a\d+)\b", lambda found: found[1] + data.draw(st.sampled_from(names)), body)
    if data.draw(st.booleans()):
        renamed = "%TAG !! tag:yaml.org,2002:\n---\n" + renamed
    try:
        forged = SplicedSealed(renamed + marker + metadata, store, "c")
        assume(forged.digest() == SplicedSealed(sealed, store, "c").digest())
        opened = forged.open_with(data_key)
    except FormatError:
        assume(False)
        raise
    try:
        printed = opened.plaintext()
    except FormatError:
        return
    assert same_data(_safe(printed), opened.data())

"""A YAML stream's documents in the seal (docs/format.md §7): a stream ending in ``---`` seals and reads back byte
for byte, and no document without values (empty, or ``{}``) can be added, removed or swapped for the other kind
unseen; a stream sealed before documents were covered still verifies, its MAC and its signature."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from sealfile.envelope.mac import signed_message
from sealfile.errors import FormatError, IntegrityError
from sealfile.ops import change
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.ops.sealing import signed_message_of
from sealfile.ops.signatures import ALLOWED_SIGNERS_ENV
from sealfile.runtime.loader import load_secrets
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity
from tests.support.ssh import keygen_verify

YAML = get_store("yaml")
LEGACY = Path(__file__).resolve().parents[1] / "corpus" / "v2-streams"
"""``manifests.enc.yaml``: ``manifests.yaml`` sealed, and signed by ``signer.pub``'s key, by the writer before
streams' documents were covered (for the identity in ``corpus/v1/age-key.txt``): an empty document and a ``{}``
one between documents holding values, as Helm writes them."""

STREAMS = {
    "ends in ---": "a: s3cret-a\n---\nb: s3cret-b\n---\n",
    "ends in --- and a comment, no final line break": "a: s3cret-a\n---\nb: 2\n--- # end",
    "CRLF, ends in ---": "a: s3cret-a\r\n---\r\nb: s3cret-b\r\n---\r\n",
    "one document, then ---": "a: s3cret-a\n---\n",
    "empty documents first, between, last": "---\n---\na: s3cret-a\n---\n# nothing\n---\nb: [1, {}]\n---\n---\n",
    "a {} document between": "a: s3cret-a\n--- {}\n---\nb: s3cret-b\n",
    "Helm's output": "---\n# Source: c/templates/s.yaml\nkind: Secret\nstringData:\n  pw: s3cret\n---\n"
                     "# Source: c/templates/off.yaml\n---\n# Source: c/templates/cm.yaml\nkind: ConfigMap\n---\n",
}


@pytest.mark.parametrize("plaintext", STREAMS.values(), ids=STREAMS.keys())
def test_a_stream_with_documents_without_values_round_trips_byte_for_byte(age_identity: AgeIdentity, tmp_path: Path,
                                                                          plaintext: str) -> None:
    sealed = seal_text(plaintext, [age_identity.key])
    assert "s3cret" not in sealed
    assert decrypt_text(sealed) == plaintext
    path = tmp_path / "s.enc.yaml"
    path.write_bytes(sealed.encode())
    assert load_secrets(path, redacted=False) == list(yaml.safe_load_all(plaintext))
    documents = list(yaml.safe_load_all(plaintext))
    first = next(index for index, document in enumerate(documents) if document)
    key = next(iter(documents[first]))
    changed = change.set_value(sealed, f"[{first}].{key}", "v2")  # the token's line and the metadata change
    assert decrypt_text(changed) == plaintext.replace(f"{key}: {documents[first][key]}", f"{key}: v2", 1)
    added = decrypt_text(change.set_value(sealed, f"[{first}].added", "n"))  # an edit of the text, sealed again
    assert [line for line in added.splitlines() if line.startswith("---")] == [
        line for line in plaintext.splitlines() if line.startswith("---")]

def _swap(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


TAMPERED = {
    "--- appended": ("a: s3cret\n---\nb: 2\n", lambda t: _swap(t, "\n---\nsealfile:", "\n---\n---\nsealfile:")),
    "--- removed": ("a: s3cret\n---\nb: 2\n---\n", lambda t: _swap(t, "\n---\n---\nsealfile:", "\n---\nsealfile:")),
    "--- {} appended": ("a: s3cret\n---\nb: 2\n", lambda t: _swap(t, "\n---\nsealfile:", "\n--- {}\n---\nsealfile:")),
    "empty swapped for {}": ("a: s3cret\n---\n---\nb: 2\n", lambda t: _swap(t, "\n---\n---\n", "\n--- {}\n---\n")),
    "{} swapped for empty": ("a: s3cret\n--- {}\n---\nb: 2\n", lambda t: _swap(t, "\n--- {}\n", "\n---\n")),
    "last empty swapped for {}": ("a: s3cret\n---\nb: 2\n---\n", lambda t: _swap(t, "---\n---\nsealfile:",
                                                                                  "--- {}\n---\nsealfile:")),
    "empty first document removed": ("---\n---\na: s3cret\n---\nb: 2\n---\n",
                                     lambda t: _swap(t, "---\n---\na:", "---\na:").replace("---\n---\nsealfile:",
                                                                                          "---\n---\n---\nsealfile:")),
    "an empty file made a stream of {}": ("", lambda t: "{}\n--- {}\n---\n" + t),
}


@pytest.mark.parametrize(("plaintext", "tamper"), TAMPERED.values(), ids=TAMPERED.keys())
def test_a_document_without_values_added_removed_or_swapped_fails_the_seal(
        age_identity: AgeIdentity, plaintext: str, tamper: object) -> None:
    sealed = seal_text(plaintext, [age_identity.key])
    forged = tamper(sealed)  # type: ignore[operator]
    assert forged != sealed
    verify_text(sealed)
    with pytest.raises(IntegrityError, match="MAC does not match"):
        verify_text(forged)
    assert read_document(forged, YAML).digest() != read_document(sealed, YAML).digest()  # signatures fail too


@pytest.fixture
def legacy_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture's identity in SEALFILE_AGE_KEY_FILE; returns an allowed signers file naming its signer."""
    key = tmp_path / "keys.txt"
    shutil.copyfile(LEGACY.parent / "v1" / "age-key.txt", key)
    key.chmod(0o600)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(key))
    monkeypatch.delenv("SEALFILE_AGE_KEY", raising=False)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text("legacy " + (LEGACY / "signer.pub").read_text())
    return allowed


def test_a_stream_sealed_before_documents_were_covered_still_verifies(
        legacy_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its MAC and its signature are over the digest without the documents entry: both still verify, the
    signed message (what ``verify --print-signed-message`` gives) is the one the real ``ssh-keygen`` accepts, and
    the first write seals the documents in."""
    text = (LEGACY / "manifests.enc.yaml").read_text()
    assert hashlib.sha256(text.encode()).hexdigest() == FIXTURE_SHA256  # the file as that writer wrote it
    plaintext = (LEGACY / "manifests.yaml").read_text()
    assert decrypt_text(text) == plaintext  # the MAC, with no signer to check
    with monkeypatch.context() as trusting:
        trusting.setenv(ALLOWED_SIGNERS_ENV, str(legacy_key))
        verify_text(text)  # refused unless signed by a trusted signer, over what the file holds
        assert decrypt_text(text) == plaintext
    document = read_document(text, YAML)
    old = document.digests()[1]
    assert signed_message_of(document) == signed_message(old, document.metadata.mac)
    signature = document.metadata.signature
    assert signature is not None
    assert keygen_verify(legacy_key, "legacy", "sealfile", signature, signed_message_of(document),
                         tmp_path).returncode == 0
    written = change.set_value(text, "[3].data.token", "t1")
    assert decrypt_text(written) == plaintext.replace("t0ken-stream", "t1")
    with pytest.raises(IntegrityError, match="MAC does not match"):
        verify_text(_swap(written, "disabled.yaml\n---\n", "disabled.yaml\n{}\n---\n"))


FIXTURE_SHA256 = "fc2c450e107722e1676cba293cecbceced70e4f9163c9040631ce49664fb6a9c"


@pytest.mark.parametrize("plaintext", ["", "---\n", "{}\n", "# nothing yet\n"])
def test_a_file_holding_no_value_reads_as_an_empty_mapping_however_its_document_is_written(
        age_identity: AgeIdentity, plaintext: str) -> None:
    """Its seal covers no leaf, so its one document written empty before the metadata's (``---``, ``---``, then
    the block) must read as every other spelling of it does: an empty mapping, never null."""
    sealed = seal_text(plaintext, [age_identity.key])
    block = sealed[sealed.index("sealfile:"):]
    for forged in ("---\n---\n" + block, "{}\n---\n" + block, block):
        verify_text(forged)
        assert read_document(forged, YAML).open().data() == {}


@pytest.mark.parametrize("keypath", ["1.c", "[1].c", '[1]["c"]', "1['c']"])
def test_unset_reaches_a_document_as_set_does(age_identity: AgeIdentity, keypath: str) -> None:
    """``unset`` found its key path in a shape whose top was a mapping of document indices, so ``1.c`` (what
    ``set`` and the docs name) was "no such key" while ``[1].c`` worked."""
    sealed = seal_text("a: s3cret-a\n---\nc: s3cret-c\nd: 4\n", [age_identity.key])
    assert decrypt_text(change.unset_value(sealed, keypath)) == "a: s3cret-a\n---\nd: 4\n"


@pytest.mark.parametrize(("keypath", "written"), [("0.new", "new: v\n"), ("[0].new", "new: v\n"),
                                                 ("0.new.deeper", "new:\n  deeper: v\n")])
def test_set_in_an_empty_document_gives_it_its_first_key(age_identity: AgeIdentity, keypath: str,
                                                          written: str) -> None:
    """It was refused ("give it its first key with sealfile edit"): the key goes where the empty document is."""
    sealed = seal_text("---\n---\nc: s3cret-c\n", [age_identity.key])
    changed = change.set_value(sealed, keypath, "v")
    verify_text(changed)
    assert decrypt_text(changed) == f"---\n{written}---\nc: s3cret-c\n"


EMPTIED = {
    "the first document": ("a: s3cret-a\n---\nc: 3\nd: 4\n", "0.a", "{}\n---\nc: 3\nd: 4\n"),
    "the last document": ("a: 1\n---\nc: s3cret-c\n", "1.c", "a: 1\n---\n{}\n"),
    "CRLF": ("a: s3cret-a\r\n---\r\nc: 3\r\n", "0.a", "{}\r\n---\r\nc: 3\r\n"),
    "CRLF, the last document": ("a: 1\r\n---\r\nc: s3cret-c\r\n", "[1].c", "a: 1\r\n---\r\n{}\r\n"),
    "no final line break": ("a: 1\n---\nc: s3cret-c", "1.c", "a: 1\n---\n{}"),
    "comments around it": ("# top\na: s3cret-a\n# after a\n---\nc: 3\n", "0.a", "# top\n{}\n# after a\n---\nc: 3\n"),
    "a comment in the last document": ("a: 1\n--- # two\n# c next\nc: s3cret-c\n# end\n", "1.c",
                                       "a: 1\n--- # two\n# c next\n{}\n# end\n"),
    "a mapping value": ("a: 1\n---\nc:\n  k: s3cret\n  l: 2\n---\ne: 5\n", "1.c", "a: 1\n---\n{}\n---\ne: 5\n"),
    "explicit starts and an end marker": ("---\na: s3cret-a\n...\n---\nc: 3\n", "0.a", "---\n{}\n...\n---\nc: 3\n"),
    "a flow document": ("--- {a: s3cret-a}\n---\nc: 3\n", "0.a", "--- {}\n---\nc: 3\n"),
    "between empty documents": ("---\n---\nc: s3cret-c\n---\n---\n", "1.c", "---\n---\n{}\n---\n---\n"),
}


@pytest.mark.parametrize(("plaintext", "keypath", "expected"), EMPTIED.values(), ids=EMPTIED.keys())
def test_unset_of_a_documents_last_key_leaves_the_document_holding_an_empty_mapping(
        age_identity: AgeIdentity, tmp_path: Path, plaintext: str, keypath: str, expected: str) -> None:
    """It was refused ("refusing to remove the document's last value"); a nested mapping's last key leaves ``{}``,
    and so does a document's: the document stays, so the others keep their indices, and every other byte too."""
    sealed = seal_text(plaintext, [age_identity.key])
    written = change.unset_value(sealed, keypath)
    verify_text(written)  # the documents entry now covers the document holding no value (§7)
    assert decrypt_text(written) == expected
    path = tmp_path / "s.enc.yaml"
    path.write_bytes(written.encode())
    assert load_secrets(path, redacted=False) == list(yaml.safe_load_all(expected))
    # {} made an empty document: seen (a stream of only empty documents is refused before its MAC)
    with pytest.raises((IntegrityError, FormatError), match=r"MAC does not match|holds no YAML document"):
        verify_text(_swap(written, "{}", ""))

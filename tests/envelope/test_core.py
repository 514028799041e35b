"""The envelope's promises: data key only wrapped, once per recipient; any recipient opens;
unchanged values keep their ciphertext on re-seal; version and rules recorded and covered."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import ConfigError, IntegrityError, NoUsableKeyError
from sealfile.kms.age import AgeKey
from sealfile.model.rules import EncryptionRules
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores.yaml.reader import load_fast
from tests.support.identities import AgeIdentity, write_identity
from tests.support.values import safe_load

PLAINTEXT = """\
# app secrets
db:
  user: admin
  password: hunter2
  port: 5432
tokens:
  - alpha
  - beta
note_unencrypted: readable
"""


def _tokens(sealed: str) -> dict[str, str]:
    tree = safe_load(sealed)
    return {"user": tree["db"]["user"], "password": tree["db"]["password"], "port": tree["db"]["port"],
            "t0": tree["tokens"][0], "t1": tree["tokens"][1]}


def test_metadata_layout(age_identity: AgeIdentity) -> None:
    meta = safe_load(seal_text(PLAINTEXT, [age_identity.key]))["sealfile"]
    assert meta["version"] == 2
    assert meta["unencrypted_suffix"] == "_unencrypted"
    assert isinstance(meta["mac"], str) and len(base64.b64decode(meta["mac"])) == 32
    (stanza,) = meta["recipients"]
    assert stanza["type"] == "age"
    assert stanza["recipient"] == age_identity.recipient
    assert stanza["wrapped"].startswith("-----BEGIN AGE ENCRYPTED FILE-----")
    assert set(stanza) == {"type", "recipient", "wrapped"}


def test_data_key_is_only_stored_wrapped(age_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bytes] = []
    real_urandom = os.urandom

    def spy(n: int) -> bytes:
        value = real_urandom(n)
        if n == 32:
            seen.append(value)
        return value

    monkeypatch.setattr("sealfile.envelope.datakey.os.urandom", spy)
    sealed = seal_text(PLAINTEXT, [age_identity.key])
    (data_key,) = seen
    for form in (data_key.hex(), base64.b64encode(data_key).decode(), base64.urlsafe_b64encode(data_key).decode()):
        assert form not in sealed
        assert form.rstrip("=") not in sealed


def test_wrapped_once_per_recipient_and_each_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write_identity(tmp_path / "one.txt")
    second = write_identity(tmp_path / "two.txt")
    sealed = seal_text(PLAINTEXT, [first.key, second.key])
    stanzas = safe_load(sealed)["sealfile"]["recipients"]
    assert [s["recipient"] for s in stanzas] == [first.recipient, second.recipient]
    assert stanzas[0]["wrapped"] != stanzas[1]["wrapped"]
    path = tmp_path / "s.yaml"
    path.write_text(sealed)
    for who in (first, second):
        monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(who.path))
        forget_data_keys()
        assert load_secrets(path)["db"]["password"] == "hunter2"


def test_no_usable_key_lists_every_attempt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write_identity(tmp_path / "one.txt")
    second = write_identity(tmp_path / "two.txt")
    stranger = write_identity(tmp_path / "three.txt")
    path = tmp_path / "s.yaml"
    path.write_text(seal_text(PLAINTEXT, [first.key, second.key]))
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(stranger.path))
    with pytest.raises(NoUsableKeyError) as info:
        load_secrets(path)
    message = str(info.value)
    assert first.recipient in message and second.recipient in message
    assert str(path) in message
    assert len(info.value.attempts) == 2


def test_reseal_unchanged_keeps_every_ciphertext(age_identity: AgeIdentity) -> None:
    old = seal_text(PLAINTEXT, [age_identity.key])
    new = seal_text(PLAINTEXT, [age_identity.key], previous=old)
    assert new == old


def test_reseal_changes_only_the_changed_value(age_identity: AgeIdentity) -> None:
    old = seal_text(PLAINTEXT, [age_identity.key])
    new = seal_text(PLAINTEXT.replace("hunter2", "hunter3"), [age_identity.key], previous=old)
    before, after = _tokens(old), _tokens(new)
    assert after["password"] != before["password"]
    assert {k: v for k, v in after.items() if k != "password"} == {k: v for k, v in before.items() if k != "password"}
    assert safe_load(new)["sealfile"]["recipients"] == safe_load(old)["sealfile"]["recipients"]
    assert safe_load(decrypt_text(new))["db"]["password"] == "hunter3"
    verify_text(new)


def test_reseal_treats_a_type_or_style_change_as_a_change(age_identity: AgeIdentity) -> None:
    old = seal_text(PLAINTEXT, [age_identity.key])
    new = seal_text(PLAINTEXT.replace("port: 5432", 'port: "5432"'), [age_identity.key], previous=old)
    assert _tokens(new)["port"] != _tokens(old)["port"]
    assert safe_load(decrypt_text(new))["db"]["port"] == "5432"


def test_reseal_of_a_moved_value_makes_a_new_token(age_identity: AgeIdentity) -> None:
    old = seal_text(PLAINTEXT, [age_identity.key])
    swapped = PLAINTEXT.replace("  - alpha\n  - beta\n", "  - beta\n  - alpha\n")
    new = seal_text(swapped, [age_identity.key], previous=old)
    assert _tokens(new)["t0"] not in (_tokens(old)["t0"], _tokens(old)["t1"])
    assert safe_load(decrypt_text(new))["tokens"] == ["beta", "alpha"]


def test_reseal_refuses_a_tampered_previous(age_identity: AgeIdentity) -> None:
    old = seal_text(PLAINTEXT, [age_identity.key])
    tampered = old.replace("note_unencrypted: readable", "note_unencrypted: changed")
    with pytest.raises(IntegrityError):
        seal_text(PLAINTEXT, [age_identity.key], previous=tampered)


@pytest.mark.parametrize(
    ("rules", "plain_keys"),
    [
        (EncryptionRules(), {"note_unencrypted"}),
        (EncryptionRules("unencrypted_suffix", "_plain"), set()),
        (EncryptionRules("encrypted_regex", "^(password|user)$"), {"port", "tokens", "note_unencrypted"}),
        (EncryptionRules("unencrypted_regex", "^(port|tokens)$"), {"port", "tokens"}),
    ],
)
def test_rules_choose_what_is_encrypted_and_are_recorded(
    age_identity: AgeIdentity, tmp_path: Path, rules: EncryptionRules, plain_keys: set[str]
) -> None:
    sealed = seal_text(PLAINTEXT, [age_identity.key], rules)
    tree = safe_load(sealed)
    assert tree["sealfile"][rules.kind] == rules.pattern
    assert sum(name in tree["sealfile"] for name in ("unencrypted_suffix", "encrypted_regex",
                                                      "unencrypted_regex")) == 1
    flat = {"user": tree["db"]["user"], "password": tree["db"]["password"], "port": tree["db"]["port"],
            "tokens": tree["tokens"][0], "note_unencrypted": tree["note_unencrypted"]}
    for name, value in flat.items():
        assert str(value).startswith("ENC[") == (name not in plain_keys), name
    path = tmp_path / "s.yaml"
    path.write_text(sealed)
    assert load_secrets(path) == safe_load(PLAINTEXT)


def test_invalid_rule_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        EncryptionRules("encrypted_regex", "(")
    with pytest.raises(ConfigError):
        EncryptionRules.from_mapping({"encrypted_regex": "a", "unencrypted_regex": "b"})


def test_fast_and_round_trip_readers_verify_the_same_file(age_identity: AgeIdentity) -> None:
    text = PLAINTEXT + "quoted_unencrypted: 'x'\nblock_unencrypted: |\n  a\n  b\nint_unencrypted: 0x1F\n"
    sealed = seal_text(text, [age_identity.key])
    verify_text(sealed)  # fast reader
    assert safe_load(decrypt_text(sealed)) == load_fast(text)  # round-trip reader


def test_a_recipient_named_twice_is_wrapped_once(age_identity: AgeIdentity) -> None:
    sealed = seal_text(PLAINTEXT, [age_identity.key, AgeKey(age_identity.recipient), age_identity.key])
    assert len(safe_load(sealed)["sealfile"]["recipients"]) == 1


def test_no_value_is_decrypted_before_the_mac_is_checked(age_identity: AgeIdentity, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from sealfile.envelope.cipher import ValueCipher

    opened: list[bytes] = []
    real = ValueCipher.open_payload

    def spy(self: ValueCipher, encoded_path: bytes, sealed: str) -> bytes:
        opened.append(encoded_path)
        return real(self, encoded_path, sealed)

    monkeypatch.setattr(ValueCipher, "open_payload", spy)
    path = tmp_path / "s.yaml"
    path.write_text(seal_text(PLAINTEXT, [age_identity.key]).replace("readable", "changed"))
    with pytest.raises(IntegrityError):
        load_secrets(path)
    with pytest.raises(IntegrityError):
        decrypt_text(path.read_text())
    assert opened == []


def test_reseal_with_named_recipients_uses_them(age_identity: AgeIdentity, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    old = seal_text(PLAINTEXT, [age_identity.key])
    newcomer = write_identity(tmp_path / "new.txt")
    new = seal_text(PLAINTEXT, [age_identity.key, newcomer.key], previous=old)
    old_stanzas, new_stanzas = (safe_load(t)["sealfile"]["recipients"] for t in (old, new))
    assert [s["recipient"] for s in new_stanzas] == [age_identity.recipient, newcomer.recipient]
    assert new_stanzas[0] == old_stanzas[0]  # kept byte for byte
    assert _tokens(new) == _tokens(old)  # same data key, same ciphertexts
    path = tmp_path / "s.yaml"
    path.write_text(new)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(newcomer.path))
    assert load_secrets(path)["db"]["password"] == "hunter2"
    only_newcomer = seal_text(PLAINTEXT, [newcomer.key], previous=new)
    assert [s["recipient"] for s in safe_load(only_newcomer)["sealfile"]["recipients"]] == [newcomer.recipient]

"""One rule for every provider: what a file names is used only if the user trusts it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sealfile.errors import ConfigError, UnwrapError, WrapError
from sealfile.kms import trust
from sealfile.kms.age import generate_identity
from sealfile.kms.base import MasterKey
from sealfile.kms.trust import Target, Trusted
from sealfile.ops.config import load_config, trust_near


@dataclass(frozen=True, repr=False)
class PluginKey(MasterKey):
    """A third-party provider: it only declares its targets; the base enforces the rule."""

    endpoint: str
    type_id = "plugin_kms"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PluginKey:
        return cls(str(config["endpoint"]))

    @classmethod
    def from_cli(cls, value: str) -> PluginKey:
        return cls(value)

    def to_config(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint}

    @property
    def key_id(self) -> str:
        return self.endpoint

    def targets(self) -> tuple[Target, ...]:
        return (Target("hosts", self.endpoint),)

    def _wrap(self, data_key: bytes) -> str:
        return data_key.hex()

    def _unwrap(self, wrapped: str) -> bytes:
        return bytes.fromhex(wrapped)


DATA_KEY = bytes(range(32))


def test_a_key_read_from_a_file_is_checked_before_any_use(monkeypatch: pytest.MonkeyPatch) -> None:
    key = trust.mark_named_by_file(PluginKey("kms.attacker.example"))
    with pytest.raises(UnwrapError, match=r"names host 'kms\.attacker\.example', which is not trusted"):
        key.unwrap(DATA_KEY.hex())
    with pytest.raises(WrapError, match="not trusted"):
        key.wrap(DATA_KEY)
    monkeypatch.setenv("SEALFILE_TRUSTED_HOSTS", "*.ATTACKER.example")  # hosts ignore case
    assert key.unwrap(DATA_KEY.hex()) == DATA_KEY
    assert PluginKey("anything").unwrap(DATA_KEY.hex()) == DATA_KEY  # built by the user: theirs to use


def test_patterns_match_whole_values_and_literal_values_are_escaped() -> None:
    trusted = Trusted({"hosts": ("*.vault.example",), "roles": ("arn:aws:iam::1:role/app-*",)})
    assert trusted.allows(Target("hosts", "a.vault.example"))
    assert not trusted.allows(Target("hosts", "a.vault.example.attacker.net"))
    assert not trusted.allows(Target("hosts", "vault.example"))
    assert trusted.allows(Target("roles", "arn:aws:iam::1:role/app-ci"))
    assert not trusted.allows(Target("roles", "arn:aws:iam::1:role/APP-ci"))  # roles keep their case
    assert not trusted.allows(Target("profiles", "app-ci"))
    exact = Trusted.exactly([Target("roles", "arn:aws:iam::1:role/a*"), Target("hosts", "h?[x]")])
    assert exact.allows(Target("roles", "arn:aws:iam::1:role/a*"))
    assert not exact.allows(Target("roles", "arn:aws:iam::1:role/anything"))
    assert exact.allows(Target("hosts", "h?[x]")) and not exact.allows(Target("hosts", "hax"))


@pytest.mark.parametrize(("text", "words"), [
    ("trust: [a]\n", "trust: trust must be a mapping"),
    ("trust: {endpoints: [a]}\n", "unknown field(s) endpoints"),
    ("trust: {hosts: [1]}\n", "trust.hosts: must be a list of patterns"),
    ("trust: {roles: ['']}\n", "trust.roles: must be a list of patterns"),
])
def test_a_malformed_trust_section_is_one_clear_error(tmp_path: Path, text: str, words: str) -> None:
    (tmp_path / ".sealfile.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert words in str(caught.value)


def test_the_config_is_read_only_when_a_target_needs_it(tmp_path: Path) -> None:
    """A broken .sealfile.yaml does not stop files that name nothing unusual from opening, and is
    reported (naming it) when a target needs it."""
    (tmp_path / ".sealfile.yaml").write_text("trust: [broken\n")
    with trust_near(tmp_path / "a.enc.yaml"):
        assert PluginKey("x").unwrap(DATA_KEY.hex()) == DATA_KEY
        with pytest.raises(UnwrapError, match=r"cannot read the trust settings \(.*\.sealfile\.yaml: invalid YAML"):
            trust.mark_named_by_file(PluginKey("y")).unwrap(DATA_KEY.hex())


def test_offline_work_tries_local_keys_only() -> None:
    from sealfile.kms.age import AgeKey, generate_identity

    _, recipient = generate_identity()
    age = AgeKey(recipient)
    wrapped = age.wrap(DATA_KEY).wrapped
    with trust.offline():
        with pytest.raises(UnwrapError, match="not tried: this command works offline"):
            PluginKey("x").unwrap(DATA_KEY.hex())
        with pytest.raises(UnwrapError, match="no matching identity"):  # tried (and fails: no identity here)
            age.unwrap(wrapped)
    assert PluginKey("x").unwrap(DATA_KEY.hex()) == DATA_KEY


def test_target_kinds_are_fixed() -> None:
    with pytest.raises(ValueError, match="unknown target kind"):
        Target("endpoint", "x")


BUILTIN_STANZAS = {
    "age": {"recipient": generate_identity()[1]},
    "ssh": {"recipient": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtOvEajHpFNtVGzNyjvaQq4D11+PrZwQ1xq0pMNbT7R"},
    "keyring": {"name": "laptop"},
    "pgp": {"fingerprint": "A" * 40},
    "aws_kms": {"arn": "arn:aws:kms:us-east-1:111122223333:key/k"},
    "gcp_kms": {"resource": "projects/p/locations/l/keyRings/r/cryptoKeys/k"},
    "azure_kv": {"key": "https://team.vault.azure.net/keys/k/v1"},
    "hc_vault_transit": {"vault_address": "https://vault.example.com:8200", "engine_path": "transit", "key_name": "k"},
}


@pytest.mark.parametrize("kind", sorted(BUILTIN_STANZAS))
def test_every_builtin_kind_refuses_a_field_it_does_not_read(kind: str) -> None:
    """A stanza naming an endpoint, a tenant or an authority that the provider would ignore is refused
    (a reader must not believe a setting is used when it is not), from a file and from a creation rule."""
    from sealfile.kms.registry import key_for, key_from_config
    from sealfile.model.metadata import Stanza

    fields = BUILTIN_STANZAS[kind]
    assert key_for(Stanza.from_mapping({"type": kind, **fields, "wrapped": "x"})).type_id == kind
    for extra in ("endpoint", "tenant_id"):
        with pytest.raises(ConfigError, match=rf"^{kind} recipient: unknown field\(s\) {extra}$"):
            key_for(Stanza.from_mapping({"type": kind, **fields, extra: "https://attacker.example", "wrapped": "x"}))
        with pytest.raises(ConfigError, match=rf"unknown field\(s\) {extra}"):
            key_from_config({"type": kind, **fields, extra: "https://attacker.example"})


@pytest.mark.parametrize(("kind", "fields", "words"), [
    ("azure_kv", {"key": "https://team.vault.azure.net/keys/k", "url": "https://other.vault.azure.net/keys/j"},
     "azure_kv recipient: key and url differ; give one"),
    ("hc_vault_transit", {"uri": "https://vault.example.com/v1/transit/keys/k", "vault_address": "https://x.example",
                          "engine_path": "transit", "key_name": "k"},
     "hc_vault_transit recipient: uri and vault_address/engine_path/key_name differ; give one"),
    ("hc_vault_transit", {"uri": "https://vault.example.com/v1/transit/keys/k", "key_name": "other"},
     "hc_vault_transit recipient: uri and vault_address/engine_path/key_name differ"),
    ("aws_kms", {"arn": "arn:aws:kms:us-east-1:111122223333:key/k", "role": "arn:aws:iam::111122223333:role/a",
                 "role_arn": "arn:aws:iam::111122223333:role/b"}, "AWS KMS recipient: role and role_arn differ"),
])
def test_two_spellings_of_one_field_that_differ_are_refused(kind: str, fields: dict[str, str], words: str) -> None:
    """A stanza giving ``key`` and ``url`` (or a Vault ``uri`` and its parts) used one and ignored the other
    silently: what a reader of the file sees is not what sealfile contacts. The same spelt twice is accepted."""
    from sealfile.kms.registry import key_for
    from sealfile.model.metadata import Stanza

    with pytest.raises(ConfigError, match=re.escape(words)):
        key_for(Stanza.from_mapping({"type": kind, **fields, "wrapped": "x"}))
    same = {"azure_kv": {"key": "https://team.vault.azure.net/keys/k", "url": "https://team.vault.azure.net/keys/k"},
            "hc_vault_transit": {"uri": "https://vault.example.com/v1/transit/keys/k", "key_name": "k"},
            "aws_kms": {"arn": "arn:aws:kms:us-east-1:111122223333:key/k", "profile": "a", "aws_profile": "a"}}[kind]
    assert key_for(Stanza.from_mapping({"type": kind, **same, "wrapped": "x"})).type_id == kind

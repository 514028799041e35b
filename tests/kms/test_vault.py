"""Vault Transit recipients against a real OpenBao server: the provider contract, key rotation,
each failure as one line, where the token may go, and the whole path (CLI, ``load_secrets``,
``.sealfile.yaml``) next to an age recipient."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from sealfile.errors import ConfigError, UnwrapError, WrapError
from sealfile.kms.trust import mark_named_by_file
from sealfile.kms.vault import VaultTransitKey
from tests.kms.contract import ProviderContract
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity
from tests.support.openbao import OpenBao, start_openbao, stop_openbao
from tests.support.values import safe_load
from tests.support.whole_path import one_error_line, sealed_every_way


def transit_key(server: OpenBao, name: str) -> VaultTransitKey:
    server.client().secrets.transit.create_key(name=name)
    return VaultTransitKey.from_cli(server.key_uri(name))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestVaultContract(ProviderContract):
    @pytest.fixture
    def key(self, vault_env: OpenBao) -> VaultTransitKey:
        return transit_key(vault_env, "contract")

    @pytest.fixture
    def other_key(self, vault_env: OpenBao) -> VaultTransitKey:
        return transit_key(vault_env, "contract-other")

    @pytest.fixture
    def unreachable_key(self, vault_env: OpenBao, monkeypatch: pytest.MonkeyPatch) -> VaultTransitKey:
        monkeypatch.setenv("SEALFILE_TRUSTED_HOSTS", "127.0.0.1:*")
        return VaultTransitKey.from_cli(f"http://127.0.0.1:{closed_port()}/v1/transit/keys/contract")


def test_rotation_records_the_version_and_old_files_still_open(vault_env: OpenBao) -> None:
    key = transit_key(vault_env, "rotating")
    first_key, second_key = os.urandom(32), os.urandom(32)
    first = key.wrap(first_key)
    vault_env.client().secrets.transit.rotate_key(name="rotating")
    second = key.wrap(second_key)
    assert (first.stanza.fields["key_version"], second.stanza.fields["key_version"]) == (1, 2)
    assert second.wrapped.startswith("vault:v2:") and key.key_version is None
    assert key.unwrap(first.wrapped) == first_key and key.unwrap(second.wrapped) == second_key
    assert dict(first.stanza.fields) == {"vault_address": vault_env.address, "engine_path": "transit",
                                         "key_name": "rotating", "key_version": 1}


def test_each_failure_is_one_line(vault_env: OpenBao, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = transit_key(vault_env, "failures")
    wrapped = key.wrap(os.urandom(32)).wrapped
    prefix = f"hc_vault_transit {vault_env.key_uri('failures')}: "

    def unwrap_error() -> str:
        with pytest.raises(UnwrapError) as info:
            key.unwrap(wrapped)
        assert "\n" not in str(info.value) and str(info.value).startswith(prefix)
        return str(info.value)[len(prefix):]

    encrypt_only = vault_env.token_with('path "transit/encrypt/failures" {capabilities = ["update"]}')
    monkeypatch.setenv("VAULT_TOKEN", encrypt_only)
    assert key.wrap(os.urandom(32)).wrapped.startswith("vault:v1:")
    assert unwrap_error() == "permission denied: the token's policies do not allow 'update' on transit/decrypt/failures"
    monkeypatch.setenv("VAULT_TOKEN", "not-a-token")
    assert unwrap_error() == "the Vault token is invalid or expired (VAULT_TOKEN or ~/.vault-token); log in again"
    monkeypatch.delenv("VAULT_TOKEN")
    assert unwrap_error().startswith("no Vault token: set VAULT_TOKEN or run 'vault login'")
    (Path.home() / ".vault-token").write_text("root\n")
    assert len(key.unwrap(wrapped)) == 32  # the token 'vault login' leaves behind
    with pytest.raises(UnwrapError, match="no Transit engine is mounted at 'elsewhere'"):
        VaultTransitKey.from_cli(vault_env.key_uri("failures", engine="elsewhere")).unwrap(wrapped)
    with pytest.raises(UnwrapError, match="no such Transit key in this engine"):
        VaultTransitKey.from_cli(vault_env.key_uri("never-made")).unwrap(wrapped)
    with pytest.raises(UnwrapError, match="not a Transit ciphertext"):
        key.unwrap("AAAA")


def test_a_sealed_vault_is_named_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    server = start_openbao()
    try:
        monkeypatch.setenv("VAULT_ADDR", server.address)
        monkeypatch.setenv("VAULT_TOKEN", "root")
        key = transit_key(server, "k")
        wrapped = key.wrap(os.urandom(32)).wrapped
        server.client().sys.seal()
        with pytest.raises(UnwrapError, match="the vault is sealed or in maintenance"):
            key.unwrap(wrapped)
    finally:
        stop_openbao(server)


def test_a_trusted_host_named_by_a_file_over_plain_http_never_gets_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trusting ``vault.corp.test:8200`` (the team's https vault) must not let a file send the token to
    ``http://vault.corp.test:8200``, in the clear to anyone on the way."""
    monkeypatch.setenv("VAULT_TOKEN", "the-users-token")
    monkeypatch.setenv("SEALFILE_TRUSTED_HOSTS", "vault.corp.test:8200")
    downgraded = mark_named_by_file(VaultTransitKey.from_cli("http://vault.corp.test:8200/v1/transit/keys/k"))
    with pytest.raises(UnwrapError, match=r"\(plain http\): the Vault token would cross the network unencrypted"):
        downgraded.unwrap("vault:v1:AAAA")
    with pytest.raises(WrapError, match="plain http"):
        downgraded.wrap(os.urandom(32))


def test_the_token_goes_only_to_a_vault_the_user_names(vault_env: OpenBao, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sealed file naming another vault cannot make sealfile send it the user's token."""
    key = transit_key(vault_env, "named")
    wrapped = key.wrap(os.urandom(32)).wrapped
    port = vault_env.address.rsplit(":", 1)[1]
    elsewhere = mark_named_by_file(VaultTransitKey.from_cli(f"http://localhost:{port}/v1/transit/keys/named"))
    with pytest.raises(UnwrapError) as info:
        elsewhere.unwrap(wrapped)
    assert f"the file names host 'localhost:{port}', which is not trusted here" in str(info.value)
    with pytest.raises(WrapError, match="add it to SEALFILE_TRUSTED_HOSTS"):
        elsewhere.wrap(os.urandom(32))
    monkeypatch.setenv("SEALFILE_TRUSTED_HOSTS", "example.com, localhost:1")  # another port: still refused
    with pytest.raises(UnwrapError, match="not trusted here"):
        elsewhere.unwrap(wrapped)
    monkeypatch.setenv("SEALFILE_TRUSTED_HOSTS", "example.com, localhost:*")
    assert len(elsewhere.unwrap(wrapped)) == 32
    monkeypatch.delenv("SEALFILE_TRUSTED_HOSTS")
    monkeypatch.setenv("VAULT_ADDR", elsewhere.vault_address + "/")
    assert len(elsewhere.unwrap(wrapped)) == 32


@pytest.mark.parametrize("uri", [
    "http://127.0.0.1:8200/v1/../sys/keys/k",
    "http://127.0.0.1:8200/v1/transit?x=/keys/k",
    "http://127.0.0.1:8200/v1/transit/keys/k#",
    "http://user@127.0.0.1:8200/v1/transit/keys/k",
    "ftp://127.0.0.1/v1/transit/keys/k",
    "http://127.0.0.1:8200/transit/keys/k",
])
def test_a_uri_cannot_reach_another_endpoint(uri: str) -> None:
    with pytest.raises(ConfigError):
        VaultTransitKey.from_cli(uri)
    with pytest.raises(ConfigError):
        VaultTransitKey.from_config({"vault_address": "http://127.0.0.1:8200", "engine_path": "transit/../sys",
                                     "key_name": "k"})


def test_cli_load_secrets_and_creation_rules_next_to_age(
    vault_env: OpenBao, age_identity: AgeIdentity, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    transit_key(vault_env, "app")
    uri = vault_env.key_uri("app")
    shown = f"{uri} (key version 1)"  # status names the version that wrapped
    ruled = sealed_every_way("hc_vault_transit", ["--hc-vault-transit", uri], f"      - {uri}\n", shown,
                             run_cli=run_cli, age_identity=age_identity, directory=tmp_path, monkeypatch=monkeypatch)
    # next to the .sealfile.yaml whose rule names this vault, the file opens; copied elsewhere, the
    # address it names is not VAULT_ADDR nor trusted, and the token is not sent
    assert run_cli("decrypt", ruled, env={"VAULT_ADDR": "https://vault.example.com",
                                          "SEALFILE_TRUSTED_HOSTS": ""}).returncode == 0
    copied = Path(os.environ["HOME"]) / "copied.enc.yaml"  # lookup stops at home: no rule names the vault
    copied.write_text(ruled.read_text())
    refused = run_cli("decrypt", copied, env={"VAULT_ADDR": "https://vault.example.com", "SEALFILE_TRUSTED_HOSTS": ""})
    assert "which is not trusted here" in one_error_line(refused)


def test_min_decryption_version_lifecycle_status_names_each_files_version(
    vault_env: OpenBao, run_cli: RunCli, tmp_path: Path,
) -> None:
    """An operator rotates the Transit key and raises min_decryption_version: before raising it, ``status``
    shows which files are still wrapped with the old version; after, decrypting such a file says what to do;
    ``rotate`` re-wraps with the current version."""
    transit_key(vault_env, "lifecycle")
    transit = vault_env.client().secrets.transit
    sealed = tmp_path / "app.enc.yaml"
    sealed.write_text("db: {password: hunter2}\n")
    assert run_cli("encrypt", "-i", "--recipient", f"hc_vault_transit:{vault_env.key_uri('lifecycle')}",
                   sealed).returncode == 0
    transit.rotate_key(name="lifecycle")
    shown = f"  - hc_vault_transit: {vault_env.key_uri('lifecycle')} (key version 1)"
    assert shown in run_cli("status", sealed).stdout.splitlines()
    transit.update_key_configuration(name="lifecycle", min_decryption_version=2)
    refused = one_error_line(run_cli("decrypt", sealed))
    assert "wrapped with key version 1, below the key's min_decryption_version" in refused
    assert "run 'sealfile rotate' on the file" in refused and "hunter2" not in refused
    wrapped = safe_load(sealed.read_text())["sealfile"]["recipients"][0]["wrapped"]
    with pytest.raises(UnwrapError, match="wrapped with key version 1, below"):  # the version is the ciphertext's:
        VaultTransitKey.from_cli(vault_env.key_uri("lifecycle")).unwrap(wrapped)  # SOPS entries record no key_version
    transit.update_key_configuration(name="lifecycle", min_decryption_version=1)
    assert run_cli("rotate", sealed).returncode == 0
    assert shown.replace("version 1", "version 2") in run_cli("status", sealed).stdout.splitlines()
    transit.update_key_configuration(name="lifecycle", min_decryption_version=2)
    assert run_cli("decrypt", sealed).stdout == "db: {password: hunter2}\n"

"""SOPS files the real sops wrote with keys in GCP Cloud KMS or Azure Key Vault, through the local
fakes of those services: sealfile's providers open them as SOPS wraps them (no associated data for
Cloud KMS, unpadded URL-safe base64 for Key Vault)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import UnwrapError
from sealfile.kms.azure.key import forget_credential
from sealfile.kms.gcp.key import GcpKmsKey
from sealfile.stores.yaml.reader import load_fast
from tests.fakes.azure_kv import FakeKeyVault
from tests.kms.test_gcp import KEY, clean_state, fake
from tests.sops.test_export_gcp import grpc_front, sops_env
from tests.support.sops_binary import run_sops

__all__ = ["clean_state", "fake", "grpc_front", "sops_env"]

PLAINTEXT = "db:\n  password: hunter2\n  port: 5432\n"


def test_gcp_kms_entry_written_by_sops(sops_env: dict[str, str], tmp_path: Path) -> None:
    """The real sops wraps the data key with Cloud KMS (through the fake) without associated data."""
    (tmp_path / "secrets.yaml").write_text(PLAINTEXT)
    done = run_sops(["encrypt", "--gcp-kms", KEY, "secrets.yaml"], sops_env, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    sealed = tmp_path / "gcp.sops.yaml"
    sealed.write_text(done.stdout)
    enc = load_fast(done.stdout)["sops"]["gcp_kms"][0]["enc"]
    decrypted = run_sops(["decrypt", str(sealed)], sops_env)
    assert decrypted.returncode == 0, decrypted.stderr
    assert sealfile.load_secrets(sealed, redacted=False) == load_fast(decrypted.stdout) == load_fast(PLAINTEXT)
    with pytest.raises(UnwrapError, match="wrong key, different 'aad'"):
        GcpKmsKey(KEY).unwrap(enc)  # sealfile's own wraps bind associated data: not interchangeable


@pytest.fixture
def key_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKeyVault]:
    (tmp_path / "azure").mkdir()
    vault = FakeKeyVault(tmp_path / "azure").start()
    for name, value in vault.client_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SSL_CERT_FILE", os.environ["REQUESTS_CA_BUNDLE"])  # Go's trust store, for sops
    forget_credential()
    yield vault
    forget_credential()
    vault.stop()


def test_azure_kv_entry_written_by_sops(key_vault: FakeKeyVault, tmp_path: Path) -> None:
    url = key_vault.create_key("sops")
    (tmp_path / "secrets.yaml").write_text(PLAINTEXT)
    done = run_sops(["encrypt", "--azure-kv", url, "secrets.yaml"], cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    sealed = tmp_path / "azure.sops.yaml"
    sealed.write_text(done.stdout)
    assert load_fast(done.stdout)["sops"]["azure_kv"][0]["name"] == "sops"
    decrypted = run_sops(["decrypt", str(sealed)])
    assert decrypted.returncode == 0, decrypted.stderr
    assert sealfile.load_secrets(sealed, redacted=False) == load_fast(decrypted.stdout) == load_fast(PLAINTEXT)

"""SOPS files whose keys are in GCP Cloud KMS or Azure Key Vault, through the local fakes of those
services: sealfile's providers open them as SOPS wraps them (no associated data for Cloud KMS,
unpadded URL-safe base64 for Key Vault)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import UnwrapError
from sealfile.kms.azure.key import forget_credential
from sealfile.kms.gcp.key import ENDPOINT_ENV, GcpKmsKey
from sealfile.sops.nodes import Branch, Item
from sealfile.sops.rules import rule_from_metadata
from sealfile.sops.writer import write_sops
from sealfile.stores.yaml.reader import load_fast
from tests.fakes.azure_kv import FakeKeyVault
from tests.fakes.gcp_kms import FakeGcpKms
from tests.kms.test_gcp import KEY, fake
from tests.support.sops_binary import run_sops

__all__ = ["fake"]

PLAINTEXT = "db:\n  password: hunter2\n  port: 5432\n"


def test_gcp_kms_entry(fake: FakeGcpKms, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file as SOPS writes one for Cloud KMS: the data key encrypted without associated data."""
    monkeypatch.setenv(ENDPOINT_ENV, fake.url)
    data_key = os.urandom(32)
    enc = GcpKmsKey(KEY, aad="").wrap(data_key).wrapped
    created = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = Branch([Item("resource_id", KEY), Item("created_at", created), Item("enc", enc)])
    document = Branch([Item("db", Branch([Item("password", "hunter2"), Item("port", 5432)]))])
    sealed = tmp_path / "gcp.sops.yaml"
    sealed.write_text(write_sops(document, kind="yaml", data_key=data_key, rule=rule_from_metadata({}),
                                 groups=[[("gcp_kms", entry)]]))
    assert load_fast(sealed.read_text())["sops"]["gcp_kms"][0]["resource_id"] == KEY
    assert sealfile.load_secrets(sealed, redacted=False) == load_fast(PLAINTEXT)
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

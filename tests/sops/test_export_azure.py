"""``export-sops`` for an Azure Key Vault recipient, opened by the real sops through the Key Vault fake.

sops (Go: azidentity's environment credential, azkeys ``decrypt``) reaches the fake through its
HTTPS proxy, trusting the fake's CA with ``SSL_CERT_FILE``, as it would reach Azure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import sealfile
from sealfile.kms.azure.key import AzureKeyVaultKey, forget_credential
from sealfile.ops.export_sops import export_sops
from sealfile.ops.seal import seal_plaintext
from sealfile.stores import get_store
from sealfile.stores.yaml import reader as yaml_store
from tests.fakes.azure_kv import FakeKeyVault
from tests.sops.conftest import assert_same, run_sops
from tests.sops.documents import SIMPLE_YAML


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeKeyVault]:
    fake = FakeKeyVault(tmp_path_factory.mktemp("azure")).start()
    fake.create_key("sops")
    yield fake
    fake.stop()


@pytest.fixture
def azure_env(vault: FakeKeyVault, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for name, value in vault.client_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SSL_CERT_FILE", os.environ["REQUESTS_CA_BUNDLE"])  # Go's trust store
    forget_credential()
    yield dict(os.environ)
    forget_credential()


def test_sops_decrypt_opens_the_export_with_the_same_key(vault: FakeKeyVault, azure_env: dict[str, str],
                                                         tmp_path: Path) -> None:
    key = AzureKeyVaultKey(f"{vault.vault_url}/keys/sops")
    sealed_text = seal_plaintext(SIMPLE_YAML, get_store("yaml"), [key])
    sealed = tmp_path / "sealed.yaml"
    sealed.write_text(sealed_text)
    exported = tmp_path / "exported.sops.yaml"
    exported.write_text(export_sops(sealed_text, get_store("yaml"), kind="yaml").text)
    entry = yaml_store.load_fast(exported.read_text())["sops"]["azure_kv"][0]
    assert (entry["vault_url"], entry["name"], entry["version"]) == (vault.vault_url, "sops",
                                                                      vault.current_version("sops"))
    done = run_sops(["decrypt", str(exported)], azure_env)
    assert done.returncode == 0, done.stderr
    assert_same(yaml_store.load_fast(done.stdout), sealfile.load_secrets(sealed, redacted=False))

"""Azure Key Vault RSA keys: the data key is wrapped with RSA-OAEP-256 (``CryptographyClient``).

A recipient is a key identifier URL, ``https://VAULT.vault.azure.net/keys/NAME[/VERSION]``
(Managed HSM URLs work the same way). Without a version, wrapping uses the key's current version
and records that version (taken from the wrap result's key id) in the metadata, so the file
still opens after the key is rotated in the vault: unwrapping always names the recorded version.

What a caller may rely on:

- Metadata fields: ``key`` (the URL as the user gave it; it is also the key id shown in errors
  and ``status``) and ``version`` (the version that wrapped the data key). Creation rules may
  say ``url`` instead of ``key``.
- Credentials come from ``DefaultAzureCredential``, created once per process: environment
  (``AZURE_TENANT_ID``/``AZURE_CLIENT_ID``/``AZURE_CLIENT_SECRET``, ``AZURE_AUTHORITY_HOST``),
  workload or managed identity, ``az login``... (``AZURE_TOKEN_CREDENTIALS`` narrows the chain).
  :func:`forget_credential` drops it, e.g. after the environment changed.
- Each request times out after ``SEALFILE_KMS_TIMEOUT`` seconds (default 10) to connect and to
  read; throttling (429), 5xx answers and connection failures are retried a bounded number of
  times (azure-core's retry policy, honouring ``Retry-After`` waits that end within
  ``SEALFILE_KMS_TIMEOUT`` of the first try; a longer one is reported at once), then reported.
- Proxies and CA bundles follow the usual variables (``HTTPS_PROXY``, ``REQUESTS_CA_BUNDLE``).
- The SDK keeps its check that the vault's authentication challenge names a resource matching
  the vault's host; nothing here turns it off.
- Wrapping reads the key first (keys/get) and refuses a disabled key, although Key Vault itself
  would wrap with it: a file sealed for a disabled key could not be opened through it. The SDK
  then wraps locally with the public key; without keys/get it wraps in the vault instead, and
  the key URL must then name a version (the SDK does not pass on the version the vault used).

The SDK (~1 s to import with azure.identity) is imported on first use only.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

from sealfile.errors import ConfigError
from sealfile.kms.azure import errors as azure_errors
from sealfile.kms.azure.pipeline import bounded_retry, vault_only_with_token
from sealfile.kms.base import (
    MasterKey,
    Operation,
    Recipient,
    forgotten_in_children,
    import_sdk,
    kms_timeout,
    one_field,
)
from sealfile.kms.trust import Target

ALGORITHM = "RSA-OAEP-256"
KEY_VAULT_HOSTS = tuple(f"*.{service}.{cloud}" for service in ("vault", "managedhsm")
                        for cloud in ("azure.net", "azure.cn", "usgovcloudapi.net", "microsoftazure.de"))
"""Key Vault and Managed HSM hosts of Azure's public and sovereign clouds: trusted without configuration."""
URL_FORM = "https://VAULT.vault.azure.net/keys/NAME[/VERSION]"
_KEY_URL = re.compile(
    r"^https://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?)"
    r"/keys/(?P<name>[0-9A-Za-z-]{1,127})(?:/(?P<version>[0-9A-Za-z]{1,64}))?/?$"
)
_VERSION = re.compile(r"^[0-9A-Za-z]{1,64}$")


@dataclass(frozen=True)
class KeyVaultKeyId:
    """A parsed key identifier: vault URL, key name and (maybe) version."""

    vault_url: str
    name: str
    version: str | None

    @classmethod
    def parse(cls, url: str) -> KeyVaultKeyId:
        match = _KEY_URL.match(url.strip())
        if match is None:
            raise ConfigError(f"not an Azure Key Vault key URL: {url!r} (expected {URL_FORM})")
        return cls(f"https://{match['host'].lower()}", match["name"], match["version"])

    @property
    def host(self) -> str:
        """``HOST`` or ``HOST:PORT``, lower case."""
        return self.vault_url.removeprefix("https://")

    def url(self, version: str | None = None) -> str:
        chosen = version or self.version
        return f"{self.vault_url}/keys/{self.name}" + (f"/{chosen}" if chosen else "")


def client_settings() -> dict[str, Any]:
    """azure-core pipeline settings: per-request timeouts and a bounded retry budget."""
    timeout = kms_timeout()
    return {
        "connection_timeout": timeout,
        "read_timeout": timeout,
        "retry_total": 3,
        "retry_connect": 2,
        "retry_read": 2,
        "retry_status": 3,
        "retry_backoff_factor": 0.5,
        "retry_backoff_max": 4,
        "timeout": 4 * timeout,  # the whole call, retries included
    }


def _sdk(module: str) -> Any:
    return import_sdk(module, extra="azure", what="Azure Key Vault support")


@lru_cache(maxsize=1)
def _credential() -> Any:
    identity = _sdk("azure.identity")
    # The SDK logs every failed credential as a multi-line warning; our error says it in one line.
    # A NullHandler keeps Python's last-resort handler from printing it; apps that configure
    # logging still receive the records.
    logging.getLogger("azure").addHandler(logging.NullHandler())
    # The same timeouts and retry budget for token requests as for the vault (the SDK's defaults
    # allow minutes); the credential keeps the values it was created with.
    return identity.DefaultAzureCredential(**client_settings())


def forget_credential() -> None:
    """Drop the process's Azure credential; the next call builds one from the environment again."""
    _credential.cache_clear()


forgotten_in_children(_credential.cache_clear)


@dataclass(frozen=True, repr=False)
class AzureKeyVaultKey(MasterKey):
    key: str
    version: str | None = None

    type_id = "azure_kv"
    cost = 50
    config_fields = frozenset({"key", "url", "version"})

    def __post_init__(self) -> None:
        parsed = KeyVaultKeyId.parse(self.key)
        if self.version is not None and not _VERSION.match(self.version):
            raise ConfigError(f"azure_kv {self.key}: not a key version: {self.version!r}")
        if parsed.version and self.version and self.version != parsed.version:
            raise ConfigError(f"azure_kv {self.key}: version {self.version!r} contradicts the version in the URL")
        object.__setattr__(self, "version", self.version or parsed.version)

    @cached_property
    def _id(self) -> KeyVaultKeyId:
        return KeyVaultKeyId.parse(self.key)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AzureKeyVaultKey:
        url = one_field(config, "key", "url", kind="azure_kv")
        if not isinstance(url, str):
            raise ConfigError(f"an azure_kv recipient needs 'key: {URL_FORM}'")
        version = config.get("version")
        if version is not None and not isinstance(version, str):
            raise ConfigError(f"azure_kv {url}: 'version' must be text")
        return cls(url.strip(), version)

    @classmethod
    def from_cli(cls, value: str) -> AzureKeyVaultKey:
        return cls(value.strip())

    def to_config(self) -> dict[str, Any]:
        return {"key": self.key, **({"version": self.version} if self.version else {})}

    @property
    def key_id(self) -> str:
        return self.key

    def wrap_version(self, wrapped: str) -> str | None:
        return self.version  # unwrapping names this version: disabling it in the vault closes the file

    def targets(self) -> tuple[Target, ...]:
        return (Target("hosts", self._id.host, builtin=KEY_VAULT_HOSTS),)

    def _vault_settings(self) -> dict[str, Any]:
        """Settings for clients that talk to the vault (not to Entra ID): see :mod:`.pipeline`."""
        settings = client_settings()
        return {**settings, "retry_policy": bounded_retry(**settings),
                "per_retry_policies": [vault_only_with_token(self._id.vault_url)]}

    def _client(self, version: str | None) -> Any:
        crypto = _sdk("azure.keyvault.keys.crypto")
        return crypto.CryptographyClient(self._id.url(version), _credential(), **self._vault_settings())

    def _wrap(self, data_key: bytes) -> Recipient:
        algorithm = _sdk("azure.keyvault.keys.crypto").KeyWrapAlgorithm(ALGORITHM)
        result = self._wrapping_client().wrap_key(algorithm, data_key)
        used = KeyVaultKeyId.parse(result.key_id or self.key).version
        if used is None:
            # The SDK wraps remotely when it may not read the key, and then does not pass on the
            # version the vault used: recording none would break unwrapping after a rotation.
            raise self.wrap_error(
                "the vault did not say which key version was used (the caller lacks keys/get); "
                "grant keys/get or give the key URL with its version"
            )
        return Recipient(replace(self, version=used), base64.b64encode(result.encrypted_key).decode("ascii"))

    def _wrapping_client(self) -> Any:
        """A client holding the key read from the vault, so the SDK wraps locally with exactly that
        version, after we checked it is enabled (and the SDK that it is within its validity dates).

        Without the keys/get permission: a client on the URL alone, which wraps in the vault.
        """
        keys = _sdk("azure.keyvault.keys")
        core = _sdk("azure.core.exceptions")
        try:
            key = keys.KeyClient(self._id.vault_url, _credential(), **self._vault_settings()).get_key(
                self._id.name, self._id.version
            )
        except core.HttpResponseError as err:
            if err.status_code != 403 or azure_errors.is_disabled(err):
                raise
            return self._client(self._id.version)
        if not key.properties.enabled:
            raise self.wrap_error("the key is disabled in the vault; enable it or choose another key")
        return _sdk("azure.keyvault.keys.crypto").CryptographyClient(key, _credential(), **self._vault_settings())

    def _unwrap(self, wrapped: str) -> bytes:
        try:
            blob = base64.b64decode(wrapped, validate=True)
        except (binascii.Error, ValueError):
            raise self.unwrap_error("the wrapped data key is not base64 (corrupt file?)") from None
        algorithm = _sdk("azure.keyvault.keys.crypto").KeyWrapAlgorithm(ALGORITHM)
        return bytes(self._client(self.version).unwrap_key(algorithm, blob).key)

    def concerns_every_key(self, error: Exception) -> bool:
        """The process's one credential found no source, or its sign-in was refused: every vault's key shares it
        (each would run the whole chain again: the Azure CLI, PowerShell and azd programs, a managed-identity probe)."""
        return azure_errors.raised_by_the_credential(error)

    def explain(self, error: Exception, operation: Operation) -> str:
        return azure_errors.explain(error, "wrapKey" if operation == "wrap" else "unwrapKey",
                                    vault_url=self._id.vault_url, versioned=bool(self.version))

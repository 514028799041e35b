"""Providers by kind name, imported on first use (the fsspec registry pattern).

Adding a provider is one module in this package and one ``ProviderSpec`` line below. Nothing
here imports a provider module, so ``import sealfile`` never pulls in a cloud SDK.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sealfile.errors import ConfigError, ProviderUnavailable
from sealfile.kms.base import MasterKey


@dataclass(frozen=True)
class ProviderSpec:
    type_id: str
    target: str
    """``module:Class`` of the :class:`MasterKey` subclass."""
    cli_flag: str
    metavar: str
    help: str
    extra: str | None = None
    """The pip extra that installs the provider's SDK, if it is optional."""


PROVIDERS: dict[str, ProviderSpec] = {
    spec.type_id: spec
    for spec in (
        ProviderSpec("age", "sealfile.kms.age:AgeKey", "--age", "RECIPIENT", "age X25519 recipient (age1...)"),
        ProviderSpec("keyring", "sealfile.kms.keyring:KeyringKey", "--keyring", "NAME", "key in the OS keyring"),
        ProviderSpec("gcp_kms", "sealfile.kms.gcp.key:GcpKmsKey", "--gcp-kms", "RESOURCE",
                     "GCP Cloud KMS CryptoKey resource name", extra="gcp"),
        ProviderSpec("aws_kms", "sealfile.kms.aws.key:AwsKmsKey", "--aws-kms", "ARN", "AWS KMS key ARN or alias ARN",
                     extra="aws"),
        ProviderSpec("azure_kv", "sealfile.kms.azure.key:AzureKeyVaultKey", "--azure-kv", "KEY_URL",
                     "Azure Key Vault key identifier URL", extra="azure"),
    )
}


def provider_class(type_id: str) -> type[MasterKey]:
    try:
        spec = PROVIDERS[type_id]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigError(f"unknown recipient type {type_id!r} (known: {known})") from None
    module_name, _, class_name = spec.target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        hint = f"; install it with: pip install 'sealfile[{spec.extra}]'" if spec.extra else ""
        raise ProviderUnavailable(f"{type_id} support is not available ({err.name or err}){hint}") from None
    cls: type[MasterKey] = getattr(module, class_name)
    return cls


def key_from_config(stanza: Mapping[str, Any]) -> MasterKey:
    """Build a key from a metadata stanza or creation-rule entry; ``type`` names the provider."""
    type_id = stanza.get("type")
    if not isinstance(type_id, str):
        raise ConfigError("a recipient has no 'type'")
    config = {k: v for k, v in stanza.items() if k not in ("type", "wrapped")}
    return provider_class(type_id).from_config(config)


def key_from_cli(type_id: str, value: str) -> MasterKey:
    return provider_class(type_id).from_cli(value)

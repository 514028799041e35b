"""Providers by kind name, imported on first use (the fsspec registry pattern).

Built-in providers are listed below; third-party ones register an entry point in the group
``sealfile.providers`` (name: the kind, value: ``module:Class`` of a :class:`MasterKey`), read
only when a kind is not built in or when every kind is listed. Nothing here imports a provider
module, so ``import sealfile`` never pulls in a cloud SDK.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache

from sealfile.errors import ConfigError, ProviderUnavailable, SealfileError, one_line
from sealfile.kms.base import MasterKey
from sealfile.kms.trust import mark_named_by_file
from sealfile.model.metadata import Stanza
from sealfile.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

ENTRY_POINT_GROUP = "sealfile.providers"


class ProviderSpec(Record):
    _fields = ("type_id", "target", "metavar", "help", "cli_flag", "extra")
    type_id: str
    target: str
    """``module:Class`` of the :class:`MasterKey` subclass."""
    metavar: str
    help: str
    cli_flag: str | None
    """A dedicated flag (``--age``); every kind is also reachable as ``--recipient KIND:VALUE``."""
    extra: str | None
    """The pip extra that installs the provider's SDK, if it is optional."""

    def __init__(self, type_id: str, target: str, metavar: str = "VALUE", help: str = "",
                 cli_flag: str | None = None, extra: str | None = None) -> None:
        self._fill(type_id, target, metavar, help, cli_flag, extra)


BUILTIN: dict[str, ProviderSpec] = {
    spec.type_id: spec
    for spec in (
        ProviderSpec("age", "sealfile.kms.age:AgeKey", "RECIPIENT", "age X25519 recipient (age1...)", "--age"),
        ProviderSpec("ssh", "sealfile.kms.ssh:SshKey", "PUBKEY",
                     "SSH public key: an ssh-ed25519/ssh-rsa line or its .pub file", "--ssh"),
        ProviderSpec("keyring", "sealfile.kms.keyring:KeyringKey", "NAME", "key in the OS keyring", "--keyring"),
        ProviderSpec("gcp_kms", "sealfile.kms.gcp.key:GcpKmsKey", "RESOURCE",
                     "GCP Cloud KMS CryptoKey resource name", "--gcp-kms", extra="gcp"),
        ProviderSpec("aws_kms", "sealfile.kms.aws.key:AwsKmsKey", "ARN", "AWS KMS key ARN or alias ARN", "--aws-kms",
                     extra="aws"),
        ProviderSpec("azure_kv", "sealfile.kms.azure.key:AzureKeyVaultKey", "KEY_URL",
                     "Azure Key Vault key identifier URL", "--azure-kv", extra="azure"),
        ProviderSpec("hc_vault_transit", "sealfile.kms.vault:VaultTransitKey", "KEY_URI",
                     "Vault/OpenBao Transit key URI (https://VAULT/v1/ENGINE/keys/NAME)", "--hc-vault-transit",
                     extra="vault"),
        ProviderSpec("pgp", "sealfile.kms.pgp:PgpKey", "FINGERPRINT", "OpenPGP key fingerprint (through gpg)",
                     "--pgp", extra="pgp"),
    )
}


@cache
def _entry_points() -> dict[str, ProviderSpec]:
    from importlib.metadata import entry_points

    found: dict[str, ProviderSpec] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name not in BUILTIN:  # a plug-in cannot take over a built-in kind
            found[point.name] = ProviderSpec(point.name, point.value, help=f"{point.name} recipient (plug-in)")
    return found


def all_providers() -> dict[str, ProviderSpec]:
    """Built-in kinds first, then installed plug-ins."""
    return {**BUILTIN, **_entry_points()}


def spec_for(type_id: str) -> ProviderSpec:
    spec = BUILTIN.get(type_id) or _entry_points().get(type_id)
    if spec is None:
        known = ", ".join(sorted(all_providers()))
        raise ConfigError(f"unknown recipient type {type_id!r} (known: {known})")
    return spec


def provider_class(type_id: str) -> type[MasterKey]:
    spec = spec_for(type_id)
    module_name, _, class_name = spec.target.partition(":")
    try:
        __import__(module_name)  # importlib.import_module's work, without loading importlib
        module = sys.modules[module_name]
    except ImportError as err:
        hint = f"; install it with: pip install 'sealfile[{spec.extra}]'" if spec.extra else ""
        raise ProviderUnavailable(f"{type_id} support is not available ({err.name or err}){hint}") from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, MasterKey)):
        raise ConfigError(f"recipient type {type_id!r}: {spec.target} is not a sealfile MasterKey")
    return cls


def key_from_config(config: Mapping[str, Any]) -> MasterKey:
    """A key from a creation-rule entry or stored fields; ``type`` names the provider."""
    type_id = config.get("type")
    if not isinstance(type_id, str):
        raise ConfigError("a recipient has no 'type'")
    return _from_config(type_id, {k: v for k, v in config.items() if k not in ("type", "wrapped")})


@lru_cache(maxsize=512)
def key_for(stanza: Stanza) -> MasterKey:
    """The master key a stored stanza names (built once per distinct stanza); what it names is used
    only if the user trusts it (:mod:`sealfile.kms.trust`)."""
    return mark_named_by_file(_from_config(stanza.type, stanza.fields))


def _from_config(type_id: str, config: Mapping[str, Any]) -> MasterKey:
    cls = provider_class(type_id)
    known = cls.config_fields
    unknown = [] if known is None else sorted(str(name) for name in config if name not in known)
    if unknown:
        raise ConfigError(f"{type_id} recipient: unknown field(s) {', '.join(unknown)}")
    return cls.from_config(config)


def keys_for(stanzas: Iterable[Stanza]) -> list[MasterKey]:
    return [key_for(stanza) for stanza in stanzas]


def key_from_cli(type_id: str, value: str) -> MasterKey:
    return provider_class(type_id).from_cli(value)


def key_from_text(type_id: str, value: str) -> MasterKey:
    """A key from a creation rule's text, never a file it names (:meth:`MasterKey.from_text`)."""
    return provider_class(type_id).from_text(value)


def key_from_spec(text: str) -> MasterKey:
    """``KIND:VALUE`` as given to ``--recipient`` (``age:age1...``, ``aws_kms:arn:aws:kms:...``)."""
    type_id, sep, value = text.partition(":")
    if not sep or not type_id or not value:
        raise ConfigError(f"expected KIND:VALUE (e.g. age:age1...), got {text!r}")
    return key_from_cli(type_id.strip(), value.strip())


def stanza_name(stanza: Stanza) -> tuple[str, str]:
    """A recipient's type and key id for display (``status``, ``recipients list``, ``review``, ``git diff``), of a
    sealed file's stanza or a SOPS entry read as one: the file's text, shown on one line with every control
    character escaped, and what a reader would use beyond the key id (an AWS key's role and profile), since a
    change to that changes the recipient."""
    try:
        key = key_for(stanza)
    except SealfileError:
        return one_line(stanza.type), "?"
    used = [f"{target.kind[:-1]} {target.value}" for target in key.targets() if target.value not in key.key_id]
    return one_line(stanza.type), one_line(key.key_id + (f" ({', '.join(used)})" if used else ""))


def stanza_version(stanza: Stanza) -> str | None:
    """The master-key version that wrapped a stanza's data key, shown on one line, where its provider
    keeps versions apart (Vault Transit, Azure Key Vault); ``None`` otherwise or for an unreadable stanza."""
    try:
        version = key_for(stanza).wrap_version(stanza.wrapped)
    except SealfileError:
        return None
    return None if version is None else one_line(version)

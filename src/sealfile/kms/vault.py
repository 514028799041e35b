"""HashiCorp Vault (and OpenBao) Transit keys, through hvac: SOPS's ``hc_vault`` recipients.

A recipient is a key URI as SOPS writes it, ``https://VAULT:8200/v1/ENGINE_PATH/keys/NAME``.
Wrapping calls the engine's ``encrypt`` and records the key version that answered; unwrapping
calls ``decrypt`` (Transit keeps old versions, so files still open after the key is rotated).

What a caller may rely on:

- Metadata fields: ``vault_address``, ``engine_path``, ``key_name`` (SOPS's names) and
  ``key_version``. The engine path and key name are checked to be plain path segments, so a
  file cannot turn a Transit call into a request to another endpoint; and an engine path a file names
  is used only once the vault says a Transit engine is mounted there (on a KV version 1 mount or the
  cubbyhole, the same call writes its body, the data key on a wrap, as a secret), whoever named it: a
  creation rule in a repository's ``.sealfile.yaml`` is written by whoever can write there.
- Credentials: the token in ``VAULT_TOKEN``, else ``~/.vault-token`` (what ``vault login``
  writes); ``VAULT_NAMESPACE`` for Enterprise namespaces; ``VAULT_CACERT`` for a private CA.
- Where the token goes: only to a vault the user names. An address read from a file is used
  only if it is the user's ``VAULT_ADDR`` (same scheme, host and port) or its host is trusted
  (:mod:`sealfile.kms.trust`: ``SEALFILE_TRUSTED_HOSTS``, ``trust: {hosts: [...]}``, where an
  address with a port is ``HOST:PORT``, e.g. ``vault.example.com:8200`` or ``vault.example.com:*``); any other,
  as a sealed file may name one, is refused before any request. Redirects are not followed,
  for the same reason. A trusted host named by a file with plain ``http://`` gets the token only
  over loopback or as the user's ``VAULT_ADDR``: trust says where, not how.
- Each request times out after ``SEALFILE_KMS_TIMEOUT`` seconds (default 10).

hvac (and requests) are imported on first use only.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sealfile.errors import ConfigError, ProviderDown, ProviderError, one_line
from sealfile.kms.base import MasterKey, Operation, Recipient, import_sdk, kms_timeout
from sealfile.kms.trust import Target, literal_pattern

URI_FORM = "https://VAULT[:PORT]/v1/ENGINE_PATH/keys/NAME"
_ADDRESS = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?\Z|https?://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?\Z")
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9_.-]*"
_ENGINE_PATH = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*+\Z")
_KEY_NAME = re.compile(rf"{_SEGMENT}\Z")
_WRAPPED_VERSION = re.compile(r"vault:v([1-9][0-9]{0,9}):")
_URI = re.compile(r"(?P<address>https?://[^/]+)/v1/(?P<engine>.+)/keys/(?P<name>[^/]+)/?\Z")


def _hvac() -> Any:
    return import_sdk("hvac", extra="vault", what="a Vault Transit recipient")


def token() -> str:
    """The user's Vault token: ``VAULT_TOKEN``, else the file ``vault login`` writes."""
    found = os.environ.get("VAULT_TOKEN", "").strip()
    if not found:
        try:
            found = (Path.home() / ".vault-token").read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            found = ""
    if not found:
        raise ProviderDown("no Vault token: set VAULT_TOKEN or run 'vault login' (which writes ~/.vault-token)")
    return found


def _user_vault(address: str) -> tuple[str, ...]:
    """``address``'s host as a trust pattern when it is the user's ``VAULT_ADDR``, else nothing."""
    user = os.environ.get("VAULT_ADDR", "").strip().rstrip("/")
    if not user or user.lower() != address.lower():
        return ()
    return (literal_pattern(urlsplit(address).netloc),)


def _may_carry_token(address: str) -> bool:
    """Whether the token may go to ``address`` when a file names it: trusting a host says where,
    not how, and a file must not turn the user's https into plain http to the same host."""
    parts = urlsplit(address)
    if parts.scheme == "https" or _user_vault(address):
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_transit_mounts: set[tuple[str, str]] = set()
"""(address, engine path) pairs found to be Transit engines in this process."""


def _check_transit_mount(client: Any, engine_path: str) -> None:
    """Refuse an engine path unless the vault says it is a Transit engine's mount: the same
    ``POST ENGINE/encrypt/NAME`` with the user's token writes the request body (the data key, on a wrap) as a
    secret on a KV version 1 mount or in the token's cubbyhole. Any token may ask a mount's type."""
    exceptions = _hvac().exceptions
    try:
        answer = client.adapter.get(f"/v1/sys/internal/ui/mounts/{engine_path}")
    except (exceptions.Forbidden, exceptions.InvalidPath) as err:
        try:  # nothing mounted there answers as a bad token does: tell the two apart
            client.auth.token.lookup_self()
        except exceptions.Forbidden:
            raise err from None
        raise ProviderError(f"no Transit engine is mounted at {engine_path!r} in this vault (or namespace)") from None
    data = answer.get("data") if isinstance(answer, Mapping) else None
    kind = data.get("type") if isinstance(data, Mapping) else None
    mount = data.get("path") if isinstance(data, Mapping) else None
    if kind != "transit" or not isinstance(mount, str) or mount.strip("/") != engine_path:
        raise ProviderError(f"engine path {engine_path!r} is not a Transit engine's mount "
                            f"on this vault ({one_line(str(kind))} engine); refused before any Transit call")


@dataclass(frozen=True, repr=False)
class VaultTransitKey(MasterKey):
    vault_address: str
    engine_path: str
    key_name: str
    key_version: int | None = None

    type_id = "hc_vault_transit"
    cost = 50
    config_fields = frozenset({"uri", "vault_address", "engine_path", "key_name", "key_version"})

    def __post_init__(self) -> None:
        object.__setattr__(self, "vault_address", self.vault_address.strip().rstrip("/"))
        object.__setattr__(self, "engine_path", self.engine_path.strip().strip("/"))
        if not _ADDRESS.match(self.vault_address):
            raise ConfigError(f"not a Vault address (http(s)://HOST[:PORT]): {self.vault_address!r}")
        if not _ENGINE_PATH.match(self.engine_path) or ".." in self.engine_path.split("/"):
            raise ConfigError(f"not a Transit engine path: {self.engine_path!r}")
        if not _KEY_NAME.match(self.key_name) or self.key_name == "..":
            raise ConfigError(f"not a Transit key name: {self.key_name!r}")
        if self.key_version is not None and (type(self.key_version) is not int or self.key_version < 1):
            raise ConfigError(f"{self.key_id}: key_version must be a positive integer")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> VaultTransitKey:
        address, engine, name = (config.get(field) for field in ("vault_address", "engine_path", "key_name"))
        if config.get("uri") is not None:
            if not isinstance(config["uri"], str):
                raise ConfigError(f"hc_vault_transit recipient: 'uri' must be text ({URI_FORM})")
            key = replace(cls.from_cli(config["uri"]), key_version=config.get("key_version"))
            parts = {"vault_address": address, "engine_path": engine, "key_name": name}
            if any(value is not None and value != getattr(key, field) for field, value in parts.items()):
                raise ConfigError(f"hc_vault_transit recipient: uri and vault_address/engine_path/key_name differ; "
                                  f"give one (uri: {key.key_id})")
            return key
        if not (isinstance(address, str) and isinstance(engine, str) and isinstance(name, str)):
            raise ConfigError(f"a hc_vault_transit recipient needs 'uri: {URI_FORM}' "
                              "(or vault_address, engine_path and key_name)")
        return cls(address, engine, name, key_version=config.get("key_version"))

    @classmethod
    def from_cli(cls, value: str) -> VaultTransitKey:
        match = _URI.match(value.strip())
        if match is None:
            raise ConfigError(f"not a Vault Transit key URI: {value!r} (expected {URI_FORM})")
        return cls(match["address"], match["engine"], match["name"])

    def to_config(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"vault_address": self.vault_address, "engine_path": self.engine_path,
                                  "key_name": self.key_name}
        return fields if self.key_version is None else {**fields, "key_version": self.key_version}

    @property
    def key_id(self) -> str:
        return f"{self.vault_address}/v1/{self.engine_path}/keys/{self.key_name}"

    def targets(self) -> tuple[Target, ...]:
        return (Target("hosts", urlsplit(self.vault_address).netloc, builtin=_user_vault(self.vault_address)),)

    def wrap_version(self, wrapped: str) -> str | None:
        # the ciphertext's own prefix, not the key_version field: it is what the vault decrypts with
        match = _WRAPPED_VERSION.match(wrapped)
        return match[1] if match else None

    def _client(self) -> Any:
        client = self.token_client()
        # every key's: a creation rule in a committed .sealfile.yaml names its engine path as a stanza does
        if (self.vault_address, self.engine_path) not in _transit_mounts:
            _check_transit_mount(client, self.engine_path)
            _transit_mounts.add((self.vault_address, self.engine_path))
        return client

    def token_client(self) -> Any:
        """A client of this key's vault with the user's token, its engine path unchecked (for the token alone)."""
        if self.named_by_file and not _may_carry_token(self.vault_address):
            raise ProviderError(f"the file names {self.vault_address} (plain http): the Vault token would cross the "
                                "network unencrypted; a file's vault is reached over https, over loopback, or as "
                                "the user's VAULT_ADDR")
        client = _hvac().Client(url=self.vault_address, token=token(), namespace=os.environ.get("VAULT_NAMESPACE"),
                                verify=os.environ.get("VAULT_CACERT") or True, timeout=kms_timeout(),
                                allow_redirects=False)
        return client

    def _wrap(self, data_key: bytes) -> Recipient:
        answer = self._client().secrets.transit.encrypt_data(
            name=self.key_name, plaintext=base64.b64encode(data_key).decode("ascii"), mount_point=self.engine_path)
        data = answer["data"]
        version = data.get("key_version")
        return Recipient(replace(self, key_version=version if type(version) is int else None), data["ciphertext"])

    def _unwrap(self, wrapped: str) -> bytes:
        if not wrapped.startswith("vault:v"):
            raise self.unwrap_error("the wrapped data key is not a Transit ciphertext (vault:vN:...)")
        try:
            answer = self._client().secrets.transit.decrypt_data(
                name=self.key_name, ciphertext=wrapped, mount_point=self.engine_path)
        except _hvac().exceptions.InvalidRequest as err:
            if "disallowed by policy (too old)" not in str(err):
                raise
            # the key's min_decryption_version was raised past the version in the ciphertext
            raise self.unwrap_error(
                f"the data key was wrapped with key version {self.wrap_version(wrapped)}, below the key's "
                "min_decryption_version: lower it, run 'sealfile rotate' on the file, then raise it again "
                "('sealfile status' shows each file's version)") from None
        try:
            return base64.b64decode(answer["data"]["plaintext"], validate=True)
        except (binascii.Error, KeyError, TypeError, ValueError):
            raise self.unwrap_error("the vault's answer holds no data key") from None

    def explain(self, error: Exception, operation: Operation) -> str:
        from sealfile.kms import vault_errors

        return vault_errors.explain(error, operation, self)

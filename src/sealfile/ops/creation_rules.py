"""A ``.sealfile.yaml``'s ``creation_rules``: each rule read and checked, every error naming its key path
(``creation_rules.2.age``); :mod:`sealfile.ops.config` reads the file and picks the rule for a file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sealfile.errors import ConfigError, SealfileError, one_line
from sealfile.model.record import Record
from sealfile.model.rules import RULE_NAMES, EncryptionRules

if TYPE_CHECKING:  # the providers are imported only to read creation rules: readers need none
    from sealfile.kms.base import MasterKey
    from sealfile.kms.groups import KeyGroups

REQUIRE_SIGNATURE = "require_signature"
SOPS_RENAMED = {"kms": "aws_kms", "azure_keyvault": "azure_kv", "hc_vault_transit_uri": "hc_vault_transit",
                "shamir_threshold": "threshold"}
"""A ``.sops.yaml`` creation rule's field -> the same field in ``.sealfile.yaml``, where the names differ."""
RULE_FIELDS = ("path_regex", *RULE_NAMES, "key_groups", "threshold", REQUIRE_SIGNATURE)
"""A creation rule's fields besides the recipient kinds (each provider's type id)."""


class CreationRule(Record):
    _fields = ("path_regex", "recipients", "rules", "require_signature")
    path_regex: str
    recipients: KeyGroups | None
    """Who opens files the rule makes (``None``: the rule names no recipient)."""
    rules: EncryptionRules
    require_signature: bool

    def __init__(self, path_regex: str, recipients: KeyGroups | None, rules: EncryptionRules,
                 require_signature: bool = False) -> None:
        self._fill(path_regex, recipients, rules, require_signature)

    @property
    def keys(self) -> list[MasterKey]:
        return list(self.recipients.keys) if self.recipients else []


def creation_rules(raw: Any) -> list[CreationRule]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError("creation_rules must be a list", keypath="creation_rules")
    return [_creation_rule(entry, f"creation_rules.{i}") for i, entry in enumerate(raw)]


def _creation_rule(entry: Any, where: str) -> CreationRule:
    if not isinstance(entry, Mapping):
        raise ConfigError("a creation rule must be a mapping", keypath=where)
    from sealfile.kms.registry import all_providers

    providers = all_providers()
    known = {*RULE_FIELDS, *providers}
    unknown = sorted(str(k) for k in entry if k not in known)
    if unknown:
        renamed = [f"{name} is {SOPS_RENAMED[name]}" for name in unknown if name in SOPS_RENAMED]
        hint = (f" (SOPS's names: here {', '.join(renamed)}; 'sealfile import-sops .sops.yaml' converts a whole "
                "SOPS config)") if renamed else ""
        raise ConfigError(f"unknown field(s) {', '.join(unknown)}{hint}", keypath=where)
    path_regex = entry.get("path_regex", "")
    if not isinstance(path_regex, str):  # 'path_regex:' left empty is null: not a rule for every file unsaid
        raise ConfigError("path_regex must be text, a regular expression (leave it out to match every file)",
                          keypath=f"{where}.path_regex")
    from sealfile.model.linear_regex import compile_linear

    try:
        compile_linear(path_regex)
    except re.error as err:
        raise ConfigError(f"path_regex is not a valid regular expression: {err}", keypath=f"{where}.path_regex"
                          ) from None
    except ValueError as err:  # a config in the repository is anyone's with write access: no backtracking
        raise ConfigError(f"path_regex cannot be used: {err}", keypath=f"{where}.path_regex") from None
    try:
        rules = EncryptionRules.configured(entry)
    except ConfigError as err:
        raise ConfigError(err.message, keypath=where) from None
    require = entry.get(REQUIRE_SIGNATURE, False)
    if not isinstance(require, bool):
        raise ConfigError("must be true or false", keypath=f"{where}.{REQUIRE_SIGNATURE}")
    return CreationRule(str(path_regex), _recipients(entry, where), rules, require)


def _recipients(entry: Mapping[str, Any], where: str) -> KeyGroups | None:
    """One group from the rule's own recipient fields, or its ``key_groups`` and ``threshold``."""
    from sealfile.kms.groups import KeyGroups
    from sealfile.kms.registry import all_providers

    groups = entry.get("key_groups")
    if groups is None:
        if "threshold" in entry:
            raise ConfigError("threshold goes with key_groups", keypath=f"{where}.threshold")
        keys = _keys(entry, where)
        return KeyGroups((tuple(keys),)) if keys else None
    if any(type_id in entry for type_id in all_providers()):
        raise ConfigError("name recipients either in key_groups or beside them, not both", keypath=where)
    if not isinstance(groups, list) or not groups or not all(isinstance(group, Mapping) for group in groups):
        raise ConfigError("key_groups must be a list of mappings of recipients", keypath=f"{where}.key_groups")
    for index, group in enumerate(groups):
        unknown = sorted(str(k) for k in group if k not in all_providers())
        if unknown:
            raise ConfigError(f"unknown recipient kind(s) {', '.join(unknown)}", keypath=f"{where}.key_groups.{index}")
    threshold = entry.get("threshold", len(groups))
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        raise ConfigError("threshold must be a number of key groups", keypath=f"{where}.threshold")
    grouped = tuple(tuple(_keys(group, f"{where}.key_groups.{index}")) for index, group in enumerate(groups))
    try:
        return KeyGroups(grouped, threshold)
    except ConfigError as err:
        raise ConfigError(err.message, keypath=f"{where}.key_groups") from None


def _keys(entry: Mapping[str, Any], where: str) -> list[MasterKey]:
    from sealfile.kms.registry import all_providers

    keys: list[MasterKey] = []
    for type_id in all_providers():
        for item in _entries(entry.get(type_id)):
            try:
                keys.append(_key(type_id, item))
            except SealfileError as err:
                raise ConfigError(err.message, keypath=f"{where}.{type_id}") from None
    return keys


def _key(type_id: str, item: Any) -> MasterKey:
    """One entry of a rule's ``type_id`` list: the key's text, or a mapping of its provider's fields (as
    SOPS, never a number, ``true`` or ``null`` spelt as Python would: ``keyring: true`` is no key "True")."""
    from sealfile.kms.registry import key_from_config, key_from_text

    if isinstance(item, str):
        return key_from_text(type_id, item)
    if not isinstance(item, Mapping):
        raise ConfigError(f"a recipient is written as text (quoted if YAML would read it as another type) or a "
                          f"mapping of the provider's fields, not {_yaml_kind(item)}")
    if item.get("type", type_id) != type_id:  # a key of another kind under this list's name
        raise ConfigError(f"an entry of the {type_id} list cannot be of another type "
                          f"({one_line(str(item['type']))}): list it under its own kind")
    return key_from_config({**item, "type": type_id})


def _yaml_kind(value: Any) -> str:
    """What YAML read ``value`` as, in YAML's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, list) else f"a {type(value).__name__}"


def _entries(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return value
    return [value]

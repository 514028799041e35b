"""``import-sops .sops.yaml``: a SOPS config's creation rules as a ``.sealfile.yaml``, so that a team's
new files, ``updatekeys`` and ``git install`` follow the rules its SOPS files were made by.

The two formats are close (sealfile's was modelled on SOPS's). Per rule: ``path_regex`` as it is (both
are searched as Go searches them); ``age``, ``pgp``, ``gcp_kms`` as they are; ``kms`` as ``aws_kms``
(``ARN+ROLE`` and ``aws_profile`` kept), ``azure_keyvault`` as ``azure_kv``, ``hc_vault_transit_uri``
as ``hc_vault_transit``, ``key_groups`` with ``shamir_threshold`` as ``key_groups`` with ``threshold``;
the value rule by name, ``encrypted_suffix`` as an anchored ``encrypted_regex`` (as ``import-sops`` does).
What sealfile has no equivalent for is named, never dropped silently. The text written is read back
through sealfile's config reader and must hold the intended rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sealfile.errors import ConfigError, SealfileError
from sealfile.model.linear_regex import LinearRegex
from sealfile.model.rules import RULE_NAMES
from sealfile.ops.config import config_from_text
from sealfile.ops.creation_rules import SOPS_RENAMED
from sealfile.ops.import_sops import EVERY_VALUE
from sealfile.sops.format import suffix_as_regex
from sealfile.sops.rules import go_regex, python_pattern

FLAT = {"age": "age", "pgp": "pgp", "gcp_kms": "gcp_kms",
         **{name: ours for name, ours in SOPS_RENAMED.items() if name != "shamir_threshold"}}
"""A SOPS creation rule's recipient field (a list or comma-separated string) -> sealfile's."""
GROUPED = {"age": "age", "pgp": "pgp", "gcp_kms": "gcp_kms", "kms": "aws_kms", "azure_keyvault": "azure_kv",
            "hc_vault": "hc_vault_transit"}
"""A SOPS key group's field -> sealfile's."""
_UNSUPPORTED = {"mac_only_encrypted": "sealfile's MAC covers every value and key path"}
_COMMENT_RULES = ("encrypted_comment_regex", "unencrypted_comment_regex")
"""SOPS then encrypts a key ending in ``_unencrypted`` too: such a rule seals every value, as ``import-sops``
of a file made by it does (the default rule would leave those in plaintext)."""


@dataclass(frozen=True)
class ConvertedConfig:
    text: str
    notes: list[str]


def is_sops_config(raw: Any) -> bool:
    return isinstance(raw, Mapping) and isinstance(raw.get("creation_rules"), list)


def convert_config(raw: Mapping[str, Any], target: Path) -> ConvertedConfig:
    """``raw`` (a parsed ``.sops.yaml``) as the text of a ``.sealfile.yaml`` at ``target``."""
    from sealfile.stores import get_store

    notes = [f"{name}: not a creation rule; left out" for name in raw if name != "creation_rules"]
    rules = [_rule(entry, f"creation_rules.{index}", notes) for index, entry in enumerate(raw["creation_rules"])]
    text = ("# converted from .sops.yaml by 'sealfile import-sops'; check it before you rely on it\n"
            + get_store("yaml").dump({"creation_rules": rules}))
    try:
        read = config_from_text(text, target)  # refuses what sealfile's reader would refuse
    except SealfileError as err:  # the rules keep their places: the cause is at that key path of the .sops.yaml
        raise ConfigError(f"{err.message} (in a .sealfile.yaml, which sealfile refuses)", keypath=err.keypath) from None
    if [rule.path_regex for rule in read.creation_rules] != [rule.get("path_regex", "") for rule in rules]:
        raise ConfigError("the converted creation rules do not read back as written")
    return ConvertedConfig(text, notes)


def _rule(entry: Any, where: str, notes: list[str]) -> dict[str, Any]:
    if not isinstance(entry, Mapping):
        raise ConfigError("a creation rule must be a mapping", keypath=where)
    rule: dict[str, Any] = {}
    if entry.get("path_regex") not in (None, ""):  # SOPS: no pattern (empty, null) matches every file
        rule["path_regex"] = _path_regex(entry["path_regex"], f"{where}.path_regex")
    grouped = bool(entry.get("key_groups"))  # SOPS: an empty or null key_groups leaves the fields beside it
    for name, value in entry.items():
        if grouped and (name in FLAT or name == "aws_profile"):
            notes.append(f"{where}.{name}: beside key_groups, which SOPS uses alone; left out")
        elif name == "age":
            rule.update(_age_and_ssh(_entries(value)))
        elif name in FLAT:
            rule[FLAT[name]] = _flat(name, value, entry.get("aws_profile"))
        elif name == "key_groups":
            if grouped:
                rule["key_groups"] = [_group(group, f"{where}.key_groups.{i}") for i, group in enumerate(value)]
        elif name == "shamir_threshold":
            rule.update(_threshold(value, len(entry["key_groups"]) if grouped else 1, f"{where}.{name}", notes))
        elif name in (*RULE_NAMES, "encrypted_suffix") and value == "":  # SOPS: no rule, so its default
            notes.append(f"{where}.{name}: empty, which SOPS reads as no rule; left out (the default rule applies)")
        elif name == "encrypted_suffix":
            rule["encrypted_regex"] = suffix_as_regex(str(value))
        elif name in RULE_NAMES:
            rule[name] = _as_python(value, f"{where}.{name}") if name.endswith("_regex") else value
        elif name in _COMMENT_RULES:
            rule["encrypted_regex"] = EVERY_VALUE.pattern
            notes.append(f"{where}.{name}: sealfile has no equivalent; every value is sealed instead (encrypted_regex "
                         f"{EVERY_VALUE.pattern}: SOPS seals a key ending in _unencrypted under it too)")
        elif name in _UNSUPPORTED:
            notes.append(f"{where}.{name}: sealfile has no equivalent; left out ({_UNSUPPORTED[name]})")
        elif name not in ("path_regex", "aws_profile"):
            notes.append(f"{where}.{name}: not known to sealfile; left out")
    return rule


def _threshold(value: Any, groups: int, where: str, notes: list[str]) -> dict[str, Any]:
    """SOPS reads ``0`` (or none) as every group, and splits nothing for one group, whatever the threshold:
    both are left out, as sealfile's config, refusing them, would have the whole conversion refused."""
    if value in (0, None):
        return {}
    if groups <= 1:
        notes.append(f"{where}: one key group, which SOPS keeps the data key whole for; left out")
        return {}
    return {"threshold": value}


def _as_python(pattern: Any, where: str) -> Any:
    """A SOPS (Go) pattern as sealfile's rules read it: ``\\w`` stays ASCII, ``$`` the end of the text..."""
    try:
        return python_pattern(pattern) if isinstance(pattern, str) else pattern  # the config's check refuses others
    except SealfileError as err:
        raise ConfigError(err.message, keypath=where) from None


def _path_regex(pattern: Any, where: str) -> str:
    """A rule's ``path_regex`` as sealfile reads it. One Go cannot compile is refused: SOPS stops with
    'can not compile regexp' at such a rule (a value rule's pattern never matches: SOPS ignores that error),
    and read as never matching the files it reaches would take the next rule's recipients instead."""
    if not isinstance(pattern, str):
        raise ConfigError("path_regex must be text (a Go regular expression)", keypath=where)
    try:
        compiled = go_regex(pattern)
    except SealfileError as err:
        raise ConfigError(err.message, keypath=where) from None
    if not isinstance(compiled, LinearRegex):
        raise ConfigError("path_regex is not a regular expression Go compiles: SOPS stops at this rule with 'can not "
                          "compile regexp'; fix it in the .sops.yaml first", keypath=where)
    return compiled.pattern


def _entries(value: Any, *, split_items: bool = True) -> list[Any]:
    """A field's keys: SOPS splits its text at commas, and each text item of its list too (a rule's fields and a
    group's ``age``; not a group's ``pgp``, whose item SOPS takes as one fingerprint)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    items = list(value) if isinstance(value, list) else [] if value is None else [value]
    if not split_items:
        return items
    return [part for item in items for part in (_entries(item) if isinstance(item, str) else [item])]


def _flat(name: str, value: Any, profile: Any) -> list[Any]:
    """A rule's field's entries; an AWS KMS one as a mapping, so that it gets no encryption context (as in
    SOPS; an ARN alone would get sealfile's default one) and keeps its role and profile."""
    if name != "kms":
        return _entries(value)
    found = []
    for arn, _, role in (str(entry).partition("+") for entry in _entries(value)):
        found.append({"arn": arn.strip(), **({"role": role.strip()} if role.strip() else {}),
                      **({"aws_profile": profile} if profile else {})})
    return found


def _group(group: Any, where: str) -> dict[str, Any]:
    """A key group; its ``merge:`` groups' keys (SOPS 3.9+, at any depth) are added to it, each once."""
    if not isinstance(group, Mapping):
        raise ConfigError("a key group must be a mapping", keypath=where)
    out: dict[str, list[Any]] = {}
    for name, value in group.items():
        if name == "merge":
            if not isinstance(value, list) or not all(isinstance(inner, Mapping) for inner in value):
                raise ConfigError("merge: a list of key groups (mappings)", keypath=where)
            parts = [_group(inner, f"{where}.merge.{i}") for i, inner in enumerate(value)]
        elif name not in GROUPED:
            raise ConfigError(f"{name}: a key group of a kind sealfile does not know", keypath=where)
        elif name == "age":
            parts = [_age_and_ssh(_entries(value))]
        else:
            parts = [{GROUPED[name]: [_grouped_entry(name, entry) for entry in _entries(value, split_items=False)]}]
        for part in parts:
            for kind, entries in part.items():
                kept = out.setdefault(kind, [])
                kept.extend(entry for entry in entries if entry not in kept)
    return out


def _age_and_ssh(entries: list[Any]) -> dict[str, list[Any]]:
    """SOPS's ``age`` entries: age recipients, and SSH keys, which are a kind of their own to sealfile."""
    ssh = [entry for entry in entries if isinstance(entry, str) and entry.startswith(("ssh-", "ecdsa-", "sk-"))]
    age = [entry for entry in entries if entry not in ssh]
    return {**({"age": age} if age or not ssh else {}), **({"ssh": ssh} if ssh else {})}


def _grouped_entry(name: str, entry: Any) -> Any:
    if not isinstance(entry, Mapping):
        return entry
    if name == "kms":
        return {key: entry[key] for key in ("arn", "role", "context", "aws_profile") if entry.get(key)}
    if name == "gcp_kms":
        return entry.get("resource_id")
    if name == "azure_keyvault":
        url = str(entry.get("vaultUrl", "")).rstrip("/")
        return f"{url}/keys/{entry.get('key')}/{entry.get('version') or ''}".rstrip("/")
    return entry

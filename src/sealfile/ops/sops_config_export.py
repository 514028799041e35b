"""``export-sops .sealfile.yaml``: a ``.sealfile.yaml``'s creation rules as a ``.sops.yaml``, the way back for
a team's config as ``export-sops FILE`` is for its files (the reverse of :mod:`.sops_config`).

Per rule: ``path_regex`` and the value rule in Go's syntax (:func:`~.export_sops.go_pattern`); the recipients
as SOPS names them, flat (``age`` with SSH keys among them, ``pgp``, ``kms`` as ``ARN+ROLE`` with the rule's one
``aws_profile``, ``gcp_kms``, ``azure_keyvault``, ``hc_vault_transit_uri``), or as ``key_groups`` with
``shamir_threshold`` where flat fields cannot say it: key groups, an AWS key with an encryption context of its
own (sealfile's default context is left out: SOPS has none), AWS keys with different profiles. What SOPS has no
equivalent for (the OS keyring, ``signers``, ``trust``, ``sealed_files``, ``require_signature``) is named, never
dropped silently.

The text is read back through ``import-sops``'s own conversion and must give the same recipients, groups and
threshold, and each rule's patterns as SOPS reads them must choose, for every file below the config's directory,
the rule sealfile chooses.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sealfile.errors import ConfigError, SealfileError
from sealfile.kms.base import MasterKey
from sealfile.model.linear_regex import compile_linear
from sealfile.model.metadata import METADATA_KEY
from sealfile.model.rules import EncryptionRules
from sealfile.ops.config import TOP_LEVEL, ProjectConfig, config_from_text, parsed_config
from sealfile.ops.creation_rules import CreationRule
from sealfile.ops.export_sops import go_pattern
from sealfile.ops.sops_config import FLAT as SOPS_FLAT
from sealfile.ops.sops_config import GROUPED as SOPS_GROUPED
from sealfile.ops.sops_config import ConvertedConfig, convert_config
from sealfile.ops.sops_entries import sops_groups

_FLAT = {ours: theirs for theirs, ours in SOPS_FLAT.items()} | {"ssh": "age"}
"""Our recipient kind -> a SOPS creation rule's field, :mod:`.sops_config`'s table read the other way (SOPS keeps
SSH recipients among its age ones)."""
_GROUPED = {ours: theirs for theirs, ours in SOPS_GROUPED.items()} | {"ssh": "age"}
"""Our recipient kind -> a SOPS key group's field."""
_NOT_SOPS = {"signers": "SOPS files are not signed", "trust": "SOPS trusts what its key sources are given",
             "sealed_files": "SOPS has no pre-commit check"}
DEFAULT_CONTEXT = {"sealfile": "data-key"}
"""The encryption context sealfile gives an AWS key named by its ARN alone; SOPS gives none."""
MAX_FILES_CHECKED = 20_000
"""Files below the config whose rule is compared (a larger tree is checked that far)."""


def is_sealfile_config(raw: Any) -> bool:
    """A parsed ``.sealfile.yaml``: a mapping of config fields only (no sealed file's or SOPS file's metadata)."""
    return (isinstance(raw, Mapping) and bool(raw) and METADATA_KEY not in raw
            and all(key in TOP_LEVEL for key in raw))


def export_config(text: str, path: Path) -> ConvertedConfig:
    """The text of a ``.sops.yaml`` for the ``.sealfile.yaml`` ``text`` read from ``path``."""
    from sealfile.stores import get_store

    config = config_from_text(text, path)  # refuses what sealfile's reader refuses, naming the key path
    raw = parsed_config(text)
    notes = [f"{name}: {why}; left out" for name, why in _NOT_SOPS.items() if name in raw]
    rules = [_sops_rule(rule, f"creation_rules.{index}", notes) for index, rule in enumerate(config.creation_rules)]
    if not rules:
        raise ConfigError("no creation rules to convert (SOPS's config holds nothing else)")
    written = ("# converted from .sealfile.yaml by 'sealfile export-sops'; check it before you rely on it\n"
               + get_store("yaml").dump({"creation_rules": rules}))
    _check(written, config, path)
    return ConvertedConfig(written, notes)


def _sops_rule(rule: CreationRule, where: str, notes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        if rule.path_regex:
            out["path_regex"] = go_pattern(rule.path_regex, "path_regex")
        if rule.rules != EncryptionRules():  # sealfile's default rule is SOPS's
            pattern = rule.rules.pattern
            out[rule.rules.kind] = pattern if rule.rules.kind.endswith("_suffix") else go_pattern(pattern, "value")
    except SealfileError as err:
        raise ConfigError(err.message, keypath=where) from None
    if rule.require_signature:
        notes.append(f"{where}.require_signature: SOPS files are not signed; left out")
    if rule.recipients is None:
        return out
    groups = []
    for number, group in enumerate(rule.recipients.groups, 1):
        kept = [key for key in group if key.type_id in _FLAT]
        for kind in sorted({key.type_id for key in group} - set(_FLAT)):
            notes.append(f"{where}: {kind} recipients left out: SOPS has no key source for them")
        if not kept:
            raise ConfigError(f"key group {number} has no recipient SOPS has a key source for", keypath=where)
        groups.append(kept)
    if len(groups) > 1 and rule.recipients.threshold == 1:
        notes.append(f"{where}: any 1 of {len(groups)} key groups is written as one group of their recipients "
                     "(sops encrypt refuses a threshold of 1)")
    shaped, threshold = sops_groups(groups, rule.recipients.threshold)
    if len(shaped) == 1 and _flat_fits(list(shaped[0])):
        out.update(_flat(list(shaped[0])))
    else:
        out["key_groups"] = [_group(list(group)) for group in shaped]
        if threshold != len(shaped):
            out["shamir_threshold"] = threshold
    return out


def _context(key: MasterKey) -> dict[str, str]:
    context = dict(key.to_config().get("context") or {})
    return {} if context == DEFAULT_CONTEXT else context


def _flat_fits(keys: list[MasterKey]) -> bool:
    aws = [key.to_config() for key in keys if key.type_id == "aws_kms"]
    return not any(_context(key) for key in keys if key.type_id == "aws_kms") and len(
        {config.get("profile") for config in aws}) <= 1


def _flat(keys: list[MasterKey]) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    profile = None
    for key in keys:
        config = key.to_config()
        if key.type_id == "aws_kms":
            profile = config.get("profile") or profile
        fields.setdefault(_FLAT[key.type_id], []).append(_text(key, config))
    return {**{name: ",".join(entries) for name, entries in fields.items()},
            **({"aws_profile": profile} if profile else {})}


def _text(key: MasterKey, config: Mapping[str, Any]) -> str:
    kind = key.type_id
    if kind == "aws_kms":
        return f"{config['arn']}+{config['role']}" if config.get("role") else str(config["arn"])
    if kind == "hc_vault_transit":
        return f"{config['vault_address']}/v1/{config['engine_path']}/keys/{config['key_name']}"
    field = {"age": "recipient", "ssh": "recipient", "pgp": "fingerprint", "gcp_kms": "resource",
             "azure_kv": "key"}[kind]
    return str(config[field])


def _group(keys: list[MasterKey]) -> dict[str, list[Any]]:
    group: dict[str, list[Any]] = {}
    for key in keys:
        config = key.to_config()
        entry: Any = _text(key, config)
        if key.type_id == "aws_kms":
            entry = {"arn": config["arn"], **({"role": config["role"]} if config.get("role") else {}),
                     **({"context": _context(key)} if _context(key) else {}),
                     **({"aws_profile": config["profile"]} if config.get("profile") else {})}
        elif key.type_id == "gcp_kms":
            entry = {"resource_id": config["resource"]}
        elif key.type_id == "azure_kv":
            url, _, rest = str(config["key"]).partition("/keys/")
            name, _, version = rest.partition("/")
            entry = {"vaultUrl": url, "key": name, "version": version}
        group.setdefault(_GROUPED[key.type_id], []).append(entry)
    return group


def _check(written: str, config: ProjectConfig, path: Path) -> None:
    """``written`` read back as ``import-sops`` reads a ``.sops.yaml``: the same recipients, groups and threshold
    per rule, and the same rule chosen for every file below the config (as SOPS matches its patterns)."""
    from sealfile.sops.rules import go_regex

    back = config_from_text(convert_config(parsed_config(written), path).text, path)
    if len(back.creation_rules) != len(config.creation_rules):
        raise ConfigError("the converted creation rules do not read back as written")
    for index, (ours, theirs) in enumerate(zip(config.creation_rules, back.creation_rules, strict=True)):
        if _recipients(ours) != _recipients(theirs):
            raise ConfigError("SOPS would read this rule's recipients otherwise", keypath=f"creation_rules.{index}")
    sops_patterns = [go_regex(go_pattern(rule.path_regex, "path_regex")) for rule in config.creation_rules]
    for relative in _files_below(config.root):
        ours_index = next((i for i, rule in enumerate(config.creation_rules)
                           if compile_linear(rule.path_regex).search(relative)), None)
        theirs_index = next((i for i, regex in enumerate(sops_patterns) if regex.search(relative)), None)
        if ours_index != theirs_index:
            raise ConfigError(f"SOPS would pick rule {theirs_index} for {relative}, sealfile picks {ours_index} "
                              "(Go reads the pattern otherwise: \\w, \\d and \\b are ASCII to it)",
                              keypath=f"creation_rules.{ours_index if ours_index is not None else theirs_index}")


def _recipients(rule: CreationRule) -> tuple[Any, ...]:
    """What a rule's recipients mean to SOPS: each group's keys SOPS has a key source for, and the threshold."""
    if rule.recipients is None:
        return ()
    kept = [[key for key in group if key.type_id in _FLAT] for group in rule.recipients.groups]
    shaped, threshold = sops_groups(kept, rule.recipients.threshold)
    groups = tuple(frozenset((_FLAT[key.type_id], key.key_id, tuple(sorted(_context(key).items())),
                              key.to_config().get("role"), key.to_config().get("profile"))
                             for key in group) for group in shaped)
    return groups, threshold


def _files_below(root: Path) -> Iterator[str]:
    """Paths of files below ``root``, ``/``-separated and relative to it, as rules match them (``.git`` left out)."""
    seen = 0
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(name for name in subdirectories if name != ".git")
        for name in sorted(files):
            seen += 1
            if seen > MAX_FILES_CHECKED:
                return
            yield os.path.relpath(os.path.join(directory, name), root).replace(os.sep, "/")

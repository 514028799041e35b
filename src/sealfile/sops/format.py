"""The ``sops:`` metadata block of a SOPS 3.x file, read into what sealfile needs.

SOPS keeps its on-disk metadata apart from its internal model (``stores/stores.go``); this
module is our reading of that on-disk form (docs/sops-compat.md). Recipient entries become
sealfile metadata stanzas (``{"type": ..., ..., "wrapped": ...}``) so our own providers unwrap
the data key. Entry kinds we have no provider for are kept by name, so an error can list them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.metadata import Stanza
from sealfile.sops.gotime import GoTime, rfc3339_seconds
from sealfile.sops.rules import SopsRule, rule_from_metadata

METADATA_KEY = "sops"
UNSUPPORTED_KINDS = ("pgp", "gcp_kms", "azure_kv", "hc_vault")


@dataclass(frozen=True)
class SopsMetadata:
    recipients: tuple[Stanza, ...]
    """sealfile stanzas (``type``, provider fields, ``wrapped``) for every entry we can use."""
    unsupported: list[str]
    """Kinds of entries present that sealfile cannot use (``pgp``, ``gcp_kms``...)."""
    lastmodified: str
    """The timestamp as SOPS re-formats it (Go RFC 3339, seconds): the MAC's associated data."""
    mac: str = field(repr=False)
    rule: SopsRule
    mac_only_encrypted: bool
    version: str


def is_sops_document(tree: Any) -> bool:
    """A top-level mapping whose ``sops`` key is a mapping holding a ``mac``: what SOPS looks for."""
    if not isinstance(tree, Mapping):
        return False
    meta = tree.get(METADATA_KEY)
    return isinstance(meta, Mapping) and "mac" in meta


def _text_field(value: Any) -> str:
    """A string field as Go's decoder fills it from YAML (a timestamp keeps its spelling)."""
    if isinstance(value, GoTime):
        return value.source or value.text
    return "" if value is None else str(value)


def go_rfc3339(value: Any) -> str:
    """``lastmodified`` parsed and formatted as Go's ``time.RFC3339`` does (fractions dropped)."""
    text = _text_field(value)
    if not text:
        raise FormatError("sops.lastmodified is missing")
    try:
        return rfc3339_seconds(text)
    except ValueError:
        raise FormatError("sops.lastmodified is not an RFC 3339 timestamp") from None


def _entries(group: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    entries = group.get(kind) or []
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise FormatError(f"sops.{kind} must be a list of mappings")
    return entries


def _text(entry: Mapping[str, Any], name: str, kind: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise FormatError(f"a sops.{kind} entry has no '{name}'")
    return value


def _stanzas(group: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    stanzas: list[dict[str, Any]] = []
    for entry in _entries(group, "age"):
        recipient = _text(entry, "recipient", "age").strip()
        stanzas.append({"type": "age", "recipient": recipient, "wrapped": _text(entry, "enc", "age")})
    for entry in _entries(group, "kms"):
        stanza: dict[str, Any] = {"type": "aws_kms", "arn": _text(entry, "arn", "kms").strip()}
        context = entry.get("context")
        stanza["context"] = {str(k): _text_field(v) for k, v in (context or {}).items()}
        if entry.get("role"):
            stanza["role"] = entry["role"]
        if entry.get("aws_profile"):
            stanza["profile"] = entry["aws_profile"]
        stanza["wrapped"] = _text(entry, "enc", "kms")
        stanzas.append(stanza)
    unsupported = [kind for kind in UNSUPPORTED_KINDS if group.get(kind)]
    return stanzas, unsupported


def _key_group(meta: Mapping[str, Any]) -> Mapping[str, Any]:
    groups = meta.get("key_groups")
    if not groups:
        return meta
    if not isinstance(groups, list) or not all(isinstance(g, Mapping) for g in groups):
        raise FormatError("sops.key_groups must be a list of mappings")
    if len(groups) > 1:
        raise FormatError("SOPS files with several key groups (Shamir secret sharing) are not supported")
    group: Mapping[str, Any] = groups[0]
    return group


def parse_metadata(meta: Any) -> SopsMetadata:
    """Read the ``sops:`` mapping; :class:`FormatError` for anything malformed or unsupported."""
    if not isinstance(meta, Mapping):
        raise FormatError("not a SOPS file (the 'sops' key is not a mapping)")
    mac = meta.get("mac")
    if not isinstance(mac, str):
        raise FormatError("sops.mac is missing")
    stanzas, unsupported = _stanzas(_key_group(meta))
    if not stanzas and not unsupported:
        raise FormatError("the SOPS file has no recipients")
    return SopsMetadata(
        recipients=tuple(Stanza.from_mapping(stanza) for stanza in stanzas),
        unsupported=unsupported,
        lastmodified=go_rfc3339(meta.get("lastmodified")),
        mac=mac,
        rule=rule_from_metadata(meta),
        mac_only_encrypted=meta.get("mac_only_encrypted") is True,
        version=_text_field(meta.get("version")),
    )


def suffix_as_regex(suffix: str) -> str:
    """``encrypted_suffix: S`` as the equivalent ``encrypted_regex``."""
    return re.escape(suffix) + r"\Z"

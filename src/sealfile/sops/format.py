"""The ``sops:`` metadata block of a SOPS 3.x file, read into what sealfile needs.

SOPS keeps its on-disk metadata apart from its internal model (``stores/stores.go``); this
module is our reading of that on-disk form (docs/sops-compat.md). Recipient entries become
sealfile metadata stanzas (``{"type": ..., ..., "wrapped": ...}``) so our own providers unwrap
the data key. Entry kinds we have no provider for are kept by name, so an error can list them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.metadata import Stanza
from sealfile.model.rules import EncryptionRules

METADATA_KEY = "sops"
_PATH_RULES = ("unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "encrypted_regex")
_COMMENT_RULES = ("unencrypted_comment_regex", "encrypted_comment_regex")
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
    rule: tuple[str, str]
    """The one encryption rule: (``unencrypted_suffix``|``encrypted_suffix``|..., pattern)."""
    mac_only_encrypted: bool
    version: str

    def encrypts(self, keys: list[str]) -> bool:
        """Whether SOPS encrypted a value whose path has these mapping keys (sops.go shouldBeEncrypted)."""
        kind, pattern = self.rule
        if kind == "unencrypted_suffix":
            return not any(k.endswith(pattern) for k in keys)
        if kind == "encrypted_suffix":
            return any(k.endswith(pattern) for k in keys)
        hit = any(re.search(pattern, k) for k in keys)
        return hit if kind == "encrypted_regex" else not hit

    def sealfile_rules(self) -> EncryptionRules:
        """The same rule in sealfile's vocabulary (``encrypted_suffix`` becomes an anchored regex)."""
        kind, pattern = self.rule
        if kind == "encrypted_suffix":
            return EncryptionRules("encrypted_regex", re.escape(pattern) + r"\Z")
        return EncryptionRules(kind, pattern)


def is_sops_document(tree: Any) -> bool:
    """A top-level mapping whose ``sops`` key is a mapping holding a ``mac``: what SOPS looks for."""
    if not isinstance(tree, Mapping):
        return False
    meta = tree.get(METADATA_KEY)
    return isinstance(meta, Mapping) and "mac" in meta


def go_rfc3339(value: Any) -> str:
    """``lastmodified`` parsed and formatted as Go's ``time.RFC3339`` does (fractions dropped)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("z", "Z").replace("Z", "+00:00"))
        except ValueError:
            raise FormatError("sops.lastmodified is not an RFC 3339 timestamp") from None
    else:
        raise FormatError("sops.lastmodified is missing")
    offset = moment.utcoffset() if moment.tzinfo is not None else dt.timedelta(0)
    assert offset is not None
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _rule(meta: Mapping[str, Any]) -> tuple[str, str]:
    comment_rules = [name for name in _COMMENT_RULES if meta.get(name)]
    if comment_rules:
        raise FormatError(f"SOPS files using {comment_rules[0]} are not supported")
    given = [(name, meta[name]) for name in _PATH_RULES if meta.get(name)]
    if len(given) > 1:
        raise FormatError("sops metadata sets more than one encryption rule")
    if not given:
        return ("unencrypted_suffix", "_unencrypted")
    name, pattern = given[0]
    if not isinstance(pattern, str):
        raise FormatError(f"sops.{name} must be a string")
    if name.endswith("regex"):
        try:
            re.compile(pattern)
        except re.error:
            raise FormatError(f"sops.{name} is not a regular expression sealfile can read") from None
    return (name, pattern)


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
        stanza["context"] = {str(k): "" if v is None else str(v) for k, v in (context or {}).items()}
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
    if not isinstance(mac, str) or not mac:
        raise FormatError("sops.mac is missing")
    stanzas, unsupported = _stanzas(_key_group(meta))
    if not stanzas and not unsupported:
        raise FormatError("the SOPS file has no recipients")
    return SopsMetadata(
        recipients=tuple(Stanza.from_mapping(stanza) for stanza in stanzas),
        unsupported=unsupported,
        lastmodified=go_rfc3339(meta.get("lastmodified")),
        mac=mac,
        rule=_rule(meta),
        mac_only_encrypted=meta.get("mac_only_encrypted") is True,
        version=str(meta.get("version", "")),
    )

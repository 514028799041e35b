"""The reserved top-level ``sealfile:`` mapping: version, recipients, rules and the MAC.

Kept apart from the in-memory model (as SOPS does) and read strictly: any unexpected shape is
a :class:`FormatError` naming the field, never a ``KeyError`` or ``TypeError`` from deep inside.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sealfile.errors import ConfigError, FormatError, UnsupportedVersionError
from sealfile.model.rules import RULE_NAMES, EncryptionRules

FORMAT_VERSION = 1
METADATA_KEY = "sealfile"
_KNOWN_FIELDS = {"version", "recipients", "mac", *RULE_NAMES}


@dataclass
class Metadata:
    version: int
    recipients: list[dict[str, Any]]
    rules: EncryptionRules
    mac: str = field(repr=False)

    @classmethod
    def from_mapping(cls, raw: Any) -> Metadata:
        if not isinstance(raw, Mapping):
            raise FormatError("the 'sealfile' metadata is not a mapping", keypath=METADATA_KEY)
        version = raw.get("version")
        if type(version) is not int and type(version).__name__ != "ScalarInt":
            raise FormatError("metadata has no integer 'version'", keypath=f"{METADATA_KEY}.version")
        if version != FORMAT_VERSION:
            raise UnsupportedVersionError(
                f"format version {version} is not supported (this sealfile reads version {FORMAT_VERSION}); "
                "upgrade sealfile",
                keypath=f"{METADATA_KEY}.version",
            )
        unknown = sorted(str(k) for k in raw if k not in _KNOWN_FIELDS)
        if unknown:
            raise FormatError(f"unknown metadata field(s): {', '.join(unknown)}", keypath=METADATA_KEY)
        mac = raw.get("mac")
        if not isinstance(mac, str):
            raise FormatError("metadata has no 'mac'", keypath=f"{METADATA_KEY}.mac")
        try:
            rules = EncryptionRules.from_mapping(raw)
        except ConfigError as err:
            raise FormatError(err.message, keypath=METADATA_KEY) from None
        return cls(int(version), _recipients(raw.get("recipients")), rules, mac)

    def to_mapping(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "recipients": [dict(s) for s in self.recipients],
            **self.rules.to_mapping(),
            "mac": self.mac,
        }


def _recipients(raw: Any) -> list[dict[str, Any]]:
    where = f"{METADATA_KEY}.recipients"
    if not isinstance(raw, list) or not raw:
        raise FormatError("metadata has no recipients list", keypath=where)
    stanzas = []
    for index, stanza in enumerate(raw):
        if not isinstance(stanza, Mapping):
            raise FormatError("a recipient is not a mapping", keypath=f"{where}.{index}")
        if not isinstance(stanza.get("type"), str) or not isinstance(stanza.get("wrapped"), str):
            raise FormatError("a recipient needs string 'type' and 'wrapped'", keypath=f"{where}.{index}")
        stanzas.append({str(k): v for k, v in stanza.items()})
    return stanzas

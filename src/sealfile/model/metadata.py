"""The reserved top-level ``sealfile:`` mapping: version, recipients, rules and the MAC.

Kept apart from the in-memory model (as SOPS does) and read strictly: any unexpected shape is
a :class:`FormatError` naming the field, never a ``KeyError`` or ``TypeError`` from deep inside.
:class:`Metadata` and :class:`Stanza` are immutable values: a change makes a new one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType
from typing import Any

from sealfile.errors import ConfigError, FormatError, UnsupportedVersionError
from sealfile.model.rules import RULE_NAMES, EncryptionRules

FORMAT_VERSION = 1
METADATA_KEY = "sealfile"
_KNOWN_FIELDS = {"version", "recipients", "mac", *RULE_NAMES}
_RESERVED_STANZA_FIELDS = ("type", "wrapped")


@dataclass(frozen=True, eq=False)
class Stanza:
    """One recipient entry: the provider ``type``, the fields that name its master key, and the
    data key ``wrapped`` by that key. Equal stanzas have equal canonical forms."""

    type: str
    fields: Mapping[str, Any]
    wrapped: str = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(copy.deepcopy(dict(self.fields))))

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Stanza:
        """A stanza from its stored mapping; ``type`` and ``wrapped`` must be strings."""
        type_id, wrapped = raw.get("type"), raw.get("wrapped")
        if not isinstance(type_id, str) or not isinstance(wrapped, str):
            raise FormatError("a recipient needs string 'type' and 'wrapped'")
        fields = {str(k): _plain(v) for k, v in raw.items() if k not in _RESERVED_STANZA_FIELDS}
        return cls(type_id, fields, wrapped)

    def to_mapping(self) -> dict[str, Any]:
        return {"type": self.type, **copy.deepcopy(dict(self.fields)), "wrapped": self.wrapped}

    @cached_property
    def canonical(self) -> str:
        """Every field, in a fixed order: what identifies this exact stanza (cache keys, comparisons)."""
        return json.dumps(self.to_mapping(), sort_keys=True, ensure_ascii=False, default=str)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stanza) and self.canonical == other.canonical

    def __hash__(self) -> int:
        return hash(self.canonical)


def _plain(value: Any) -> Any:
    """Parser-specific containers and scalars as plain ``dict``/``list``/``str``/``int``..."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    return value


@dataclass(frozen=True)
class Metadata:
    version: int
    recipients: tuple[Stanza, ...]
    rules: EncryptionRules
    mac: str = field(repr=False)

    @classmethod
    def from_mapping(cls, raw: Any) -> Metadata:
        if not isinstance(raw, Mapping):
            raise FormatError("the 'sealfile' metadata is not a mapping", keypath=METADATA_KEY)
        version = raw.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
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
        return cls(int(version), _recipients(raw.get("recipients")), rules, str(mac))

    def to_mapping(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "recipients": [s.to_mapping() for s in self.recipients],
            **self.rules.to_mapping(),
            "mac": self.mac,
        }

    def with_mac(self, mac: str) -> Metadata:
        return replace(self, mac=mac)

    def with_recipients(self, stanzas: Iterable[Stanza]) -> Metadata:
        stanzas = tuple(stanzas)
        if not stanzas:
            raise FormatError("a sealed file needs at least one recipient")
        return replace(self, recipients=stanzas)


def _recipients(raw: Any) -> tuple[Stanza, ...]:
    where = f"{METADATA_KEY}.recipients"
    if not isinstance(raw, list) or not raw:
        raise FormatError("metadata has no recipients list", keypath=where)
    stanzas = []
    for index, stanza in enumerate(raw):
        if not isinstance(stanza, Mapping):
            raise FormatError("a recipient is not a mapping", keypath=f"{where}.{index}")
        try:
            stanzas.append(Stanza.from_mapping(stanza))
        except FormatError as err:
            raise FormatError(err.message, keypath=f"{where}.{index}") from None
    return tuple(stanzas)

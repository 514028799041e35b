"""The reserved top-level ``sealfile:`` mapping: version, recipients, rules and the MAC.

Kept apart from the in-memory model (as SOPS does) and read strictly: any unexpected shape is
a :class:`FormatError` naming the field, never a ``KeyError`` or ``TypeError`` from deep inside.
:class:`Metadata` and :class:`Stanza` are immutable values: a change makes a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from types import MappingProxyType

from sealfile.errors import ConfigError, FormatError, UnsupportedVersionError
from sealfile.model.differences import kind_in_words
from sealfile.model.record import Record
from sealfile.model.rules import RULE_NAMES, EncryptionRules

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
"""Version 1 files still open; every write makes version 2 (docs/format.md §10)."""
METADATA_KEY = "sealfile"
MAX_GROUPS = 16
MAX_RECIPIENTS = 64
"""Most recipient stanzas a file may have, all key groups together (a team's keys fit many times over)."""
_KNOWN_FIELDS_V1 = {"version", "recipients", "mac", *RULE_NAMES}
_KNOWN_FIELDS_V2 = {*_KNOWN_FIELDS_V1, "key_groups", "threshold", "signature"}
_RESERVED_STANZA_FIELDS = ("type", "wrapped")


class Stanza(Record):
    """One recipient entry: the provider ``type``, the fields that name its master key, and the
    data key ``wrapped`` by that key. Equal stanzas have equal canonical forms."""

    _fields = ("type", "fields", "wrapped")
    _hidden = frozenset({"wrapped"})
    type: str
    fields: Mapping[str, Any]
    wrapped: str

    def __init__(self, type: str, fields: Mapping[str, Any], wrapped: str) -> None:
        self._fill(type, MappingProxyType(_plain(fields)), wrapped)  # a copy: immutable

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Stanza:
        """A stanza from its stored mapping; ``type`` and ``wrapped`` must be strings."""
        type_id, wrapped = raw.get("type"), raw.get("wrapped")
        if not isinstance(type_id, str) or not isinstance(wrapped, str):
            raise FormatError("a recipient needs string 'type' and 'wrapped'")
        fields = {str(k): _plain(v) for k, v in raw.items() if k not in _RESERVED_STANZA_FIELDS}
        return cls(type_id, fields, wrapped)

    def to_mapping(self) -> dict[str, Any]:
        return {"type": self.type, **_plain(self.fields), "wrapped": self.wrapped}

    @cached_property
    def canonical(self) -> str:
        """Every field, in a fixed order: what identifies this exact stanza (cache keys, comparisons)."""
        import json
        return json.dumps(self.to_mapping(), sort_keys=True, ensure_ascii=False, default=str)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stanza) and self.canonical == other.canonical

    def __hash__(self) -> int:
        # Equal stanzas have equal canonical forms, so equal types and wrapped keys; hashing those needs no
        # JSON text, which loading ``json`` for (``status`` looks each stanza's key up in a cache) cost a start.
        return hash((self.type, self.wrapped))


def _plain(value: Any) -> Any:
    """Parser-specific containers and scalars as plain ``dict``/``list``/``str``/``int``..., every
    container a new one (a deep copy of what a stanza can hold)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    return value


class Metadata(Record):
    """What the ``sealfile:`` mapping holds. Recipients come in key groups: the data key is split
    so that any ``threshold`` groups open it, and any one stanza of a group opens that group's
    share (docs/format.md §3). A file with one group and threshold 1 (the usual case) is written
    as a flat ``recipients`` list: any one recipient opens it."""

    _fields = ("version", "groups", "rules", "mac", "threshold", "signature")
    _hidden = frozenset({"mac", "signature"})
    version: int
    groups: tuple[tuple[Stanza, ...], ...]
    rules: EncryptionRules
    mac: str
    threshold: int
    signature: str | None
    """An armored SSHSIG over the seal (docs/format.md §9), or ``None`` for an unsigned file."""

    def __init__(self, version: int, groups: tuple[tuple[Stanza, ...], ...], rules: EncryptionRules, mac: str,
                 threshold: int = 1, signature: str | None = None) -> None:
        if not groups or any(not group for group in groups):
            raise FormatError("a sealed file needs at least one recipient in every key group")
        if not 1 <= threshold <= len(groups):
            raise FormatError(f"the threshold must be between 1 and the number of key groups ({len(groups)})",
                              keypath=f"{METADATA_KEY}.threshold")
        self._fill(version, groups, rules, mac, threshold, signature)

    @classmethod
    def single_group(cls, stanzas: Iterable[Stanza], rules: EncryptionRules, mac: str = "",
                     version: int = FORMAT_VERSION) -> Metadata:
        """The usual file: one group, any one recipient opens it."""
        return cls(version, (tuple(stanzas),), rules, mac)

    @property
    def recipients(self) -> tuple[Stanza, ...]:
        """Every stanza of every group, in order."""
        return tuple(stanza for group in self.groups for stanza in group)

    @property
    def grouped(self) -> bool:
        return len(self.groups) > 1 or self.threshold > 1

    @classmethod
    def from_mapping(cls, raw: Any) -> Metadata:
        if not isinstance(raw, Mapping):
            raise FormatError("the 'sealfile' metadata is not a mapping", keypath=METADATA_KEY)
        version = raw.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            what = f": the format version is {kind_in_words(version)}, not an integer" if "version" in raw else ""
            raise FormatError(f"metadata has no integer 'version'{what}", keypath=f"{METADATA_KEY}.version")
        if version not in READABLE_VERSIONS:
            raise UnsupportedVersionError(
                f"format version {version} is not supported (this sealfile reads versions "
                f"{', '.join(map(str, READABLE_VERSIONS))}); upgrade sealfile",
                keypath=f"{METADATA_KEY}.version",
            )
        known = _KNOWN_FIELDS_V1 if version == 1 else _KNOWN_FIELDS_V2
        unknown = sorted(str(k) for k in raw if k not in known)
        if unknown:
            raise FormatError(f"unknown metadata field(s): {', '.join(unknown)}", keypath=METADATA_KEY)
        mac = raw.get("mac")
        if not isinstance(mac, str):
            raise FormatError("metadata has no 'mac'", keypath=f"{METADATA_KEY}.mac")
        signature = raw.get("signature")
        if "signature" in raw and not (isinstance(signature, str) and signature.strip()):
            # an empty one is no signature spelled as one: a malformed signature, refused like any other
            empty = signature is None or isinstance(signature, str)
            raise FormatError("the signature is empty" if empty else "the signature is not text",
                              keypath=f"{METADATA_KEY}.signature")
        if not any(name in raw for name in RULE_NAMES):  # every writer writes it: the format has no default
            raise FormatError(f"metadata has no rule (one of {', '.join(RULE_NAMES)})", keypath=METADATA_KEY)
        try:
            rules = EncryptionRules.from_mapping(raw)
        except ConfigError as err:
            raise FormatError(err.message, keypath=METADATA_KEY) from None
        groups, threshold = _groups(raw)
        return cls(int(version), groups, rules, str(mac), threshold, str(signature) if signature else None)

    def to_mapping(self) -> dict[str, Any]:
        mapping: dict[str, Any] = {"version": self.version}
        if self.grouped:
            mapping["key_groups"] = [[s.to_mapping() for s in group] for group in self.groups]
            mapping["threshold"] = self.threshold
        else:
            mapping["recipients"] = [s.to_mapping() for s in self.recipients]
        mapping.update(self.rules.to_mapping())
        mapping["mac"] = self.mac
        if self.signature is not None:
            mapping["signature"] = self.signature
        return mapping

    def canonical_recipients(self) -> bytes:
        """Every group, stanza and field (wrapped keys included), threshold last: what the MAC and
        the signature cover of the recipients (docs/format.md §7)."""
        import json
        groups = [[json.loads(s.canonical) for s in group] for group in self.groups]
        return json.dumps({"groups": groups, "threshold": self.threshold}, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")

    def with_mac(self, mac: str) -> Metadata:
        return self.replace(mac=mac)

    def with_signature(self, signature: str | None) -> Metadata:
        return self.replace(signature=signature)

    def upgraded(self) -> Metadata:
        """This metadata as the current format version writes it (its MAC must be computed again)."""
        return self.replace(version=FORMAT_VERSION)

    def with_recipients(self, stanzas: Iterable[Stanza]) -> Metadata:
        """One group of exactly ``stanzas`` (any one opens the file)."""
        stanzas = tuple(stanzas)
        if not stanzas:
            raise FormatError("a sealed file needs at least one recipient")
        return self.replace(groups=(stanzas,), threshold=1)

    def with_groups(self, groups: Iterable[Iterable[Stanza]], threshold: int) -> Metadata:
        return self.replace(groups=tuple(tuple(group) for group in groups), threshold=threshold)


def _groups(raw: Mapping[str, Any]) -> tuple[tuple[tuple[Stanza, ...], ...], int]:
    has_flat, has_groups = "recipients" in raw, "key_groups" in raw
    if has_flat == has_groups:
        raise FormatError("metadata needs either 'recipients' or 'key_groups'", keypath=METADATA_KEY)
    if has_flat:
        if "threshold" in raw:
            raise FormatError("'threshold' goes with 'key_groups'", keypath=f"{METADATA_KEY}.threshold")
        check_recipient_count(len(raw["recipients"]) if isinstance(raw["recipients"], list) else 0)
        return (_stanzas(raw.get("recipients"), f"{METADATA_KEY}.recipients"),), 1
    where = f"{METADATA_KEY}.key_groups"
    raw_groups = raw.get("key_groups")
    if not isinstance(raw_groups, list) or not 2 <= len(raw_groups) <= MAX_GROUPS:
        # one group is written as 'recipients': its stanzas wrap the data key, where key groups' wrap parts
        raise FormatError(f"key_groups must be a list of 2 to {MAX_GROUPS} groups", keypath=where)
    check_recipient_count(sum(len(group) for group in raw_groups if isinstance(group, list)))
    groups = tuple(_stanzas(group, f"{where}.{index}") for index, group in enumerate(raw_groups))
    threshold = raw.get("threshold")
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        raise FormatError("key groups need an integer 'threshold'", keypath=f"{METADATA_KEY}.threshold")
    return groups, int(threshold)


def check_recipient_count(count: int) -> None:
    """Refused past :data:`MAX_RECIPIENTS`, before any stanza is read: by every reader, with a key or without."""
    if count > MAX_RECIPIENTS:
        raise FormatError(f"{count} recipients: a sealed file may have at most {MAX_RECIPIENTS}")


def _stanzas(raw: Any, where: str) -> tuple[Stanza, ...]:
    if not isinstance(raw, list) or not raw:
        raise FormatError("expected a non-empty list of recipients", keypath=where)
    stanzas = []
    for index, stanza in enumerate(raw):
        if not isinstance(stanza, Mapping):
            raise FormatError("a recipient is not a mapping", keypath=f"{where}.{index}")
        try:
            stanzas.append(Stanza.from_mapping(stanza))
        except FormatError as err:
            raise FormatError(err.message, keypath=f"{where}.{index}") from None
    return tuple(stanzas)

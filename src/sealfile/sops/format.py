"""The ``sops:`` metadata block of a SOPS 3.x file, read into what sealfile needs.

SOPS keeps its on-disk metadata apart from its internal model (``stores/stores.go``); this
module is our reading of that on-disk form (docs/sops-compat.md). Recipient entries become
sealfile metadata stanzas (``{"type": ..., ..., "wrapped": ...}``) so our own providers unwrap
the data key. Entry kinds we have no provider for are kept by name, so an error can list them.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.metadata import MAX_GROUPS, Stanza
from sealfile.sops.gotime import GoTime, rfc3339_seconds
from sealfile.sops.rules import SopsRule, rule_from_metadata

METADATA_KEY = "sops"
GCP_KMS_AAD = ""
"""The associated data SOPS sends with its Cloud KMS calls: none (gcpkms/keysource.go), so a
``gcp_kms`` stanza holding SOPS's wrap has an empty ``aad``, and only such a wrap opens in SOPS."""


@dataclass(frozen=True)
class SopsMetadata:
    groups: tuple[tuple[Stanza, ...], ...]
    """sealfile stanzas (``type``, provider fields, ``wrapped``) per key group (one without groups)."""
    threshold: int
    """How many groups open the file (SOPS's ``shamir_threshold``, every group without a positive one; 1 for
    one group): what a conversion keeps, never easier to open than the file's own split."""
    unsupported: list[str]
    """Recipient kinds present that sealfile does not know (each also an empty stanza in its group)."""
    lastmodified: str
    """The timestamp as SOPS re-formats it (Go RFC 3339, seconds): the MAC's associated data."""
    mac: str = field(repr=False)
    rule: SopsRule
    mac_only_encrypted: bool
    version: str
    threshold_stated: bool = True
    """Whether ``shamir_threshold`` is a positive number. Without one (absent, ``null``, zero, negative) sops
    combines whatever parts it recovers, at least two, and the MAC says whether they were enough."""

    @property
    def recipients(self) -> tuple[Stanza, ...]:
        """The stanzas sealfile can use, of every group."""
        return tuple(s for group in self.groups for s in group if s.type not in self.unsupported)


_GO_FOLDS = {"s": "sS\u017f", "o": "oO", "p": "pP"}
"""What Go's ``bytes.EqualFold`` takes for each letter of ``sops`` (``\u017f`` is the long s)."""


def read_as_metadata(key: str, kind: str) -> bool:
    """Whether SOPS's store reads this top-level data key as its metadata: YAML's ``sops``; in JSON any
    key Go's decoder matches to the metadata field, which it does without regard to case (``Sops``,
    ``SOPS``, ``\u017fops``); in dotenv a ``sops_`` prefix (a bare ``sops`` is data to it)."""
    if kind == "dotenv":
        return key.startswith(f"{METADATA_KEY}_")
    if kind == "json":
        return len(key) == len(METADATA_KEY) and all(char in _GO_FOLDS[letter]
                                                     for char, letter in zip(key, METADATA_KEY, strict=True))
    return key == METADATA_KEY


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


_SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
                     r"(?:-(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:[0-9]*[A-Za-z-][0-9A-Za-z-]*|0|[1-9][0-9]*))*+)?"
                     r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*+)?")
"""blang/semver's ``Parse``: three numbers without leading zeros, then pre-release and build parts. A repeated
part's first branch is its longest (a possessive repeat takes the first branch that matches)."""


def sops_version(value: Any) -> str:
    """``version``, which ``sops decrypt`` compares with 3.3.0 (``version.AIsNewerThanB``) before
    anything else: a version that is not one of SOPS 1 (``1.``) or semantic (a ``v`` allowed) makes
    it refuse the file, so it is refused here too."""
    text = _text_field(value)
    if text.startswith("1."):
        return text
    found = _SEMVER.fullmatch(text.removeprefix("v"))
    if found is None or any(int(number) >= 2**64 for number in found.groups()):
        raise FormatError("sops.version is not a version such as 3.11.0 (SOPS refuses the file too)")
    return text


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
    """A recipient list; a ``null`` item is an entry of empty fields, as Go's decoder reads it."""
    entries = group.get(kind) or []
    if not isinstance(entries, list) or not all(e is None or isinstance(e, Mapping) for e in entries):
        raise FormatError(f"sops.{kind} must be a list of mappings")
    return [{} if entry is None else entry for entry in entries]


def _text(entry: Mapping[str, Any], name: str, kind: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise FormatError(f"a sops.{kind} entry has no '{name}'")
    return value


def _wrapped(entry: Mapping[str, Any], kind: str) -> str:
    """``enc``, outside the MAC like the whole entry: sops reads an entry whose ``enc`` is missing, empty or
    any scalar and fails only on trying that key, so such an entry is a failed attempt (:mod:`sealfile.sops.keys`),
    not a refused file: another key group may open it. A mapping or list is refused, as Go refuses it."""
    enc = entry.get("enc")
    if isinstance(enc, (Mapping, list)):
        raise FormatError(f"a sops.{kind} entry's 'enc' is not text")
    return _text_field(enc)


def _label(entry: Mapping[str, Any], name: str, kind: str) -> str:
    """A field sops does not need to open the entry: empty, missing or any scalar, read as Go's decoder reads it;
    only a mapping or list is refused, as Go refuses it."""
    label = entry.get(name)
    if isinstance(label, (Mapping, list)):
        raise FormatError(f"a sops.{kind} entry's '{name}' is not text")
    return _text_field(label).strip()


def _age(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An ``age`` entry: an X25519 or plugin recipient, or an SSH public key (a kind of its own here).
    ``recipient`` is a label outside the MAC, which sops does not need (:mod:`sealfile.sops.keys`): empty,
    missing or any scalar, it is read as Go's decoder reads it, and only a mapping or list is refused."""
    recipient = _label(entry, "recipient", "age")
    kind = "ssh" if recipient.startswith(("ssh-", "ecdsa-", "sk-")) else "age"
    return {"type": kind, "recipient": recipient, "wrapped": _wrapped(entry, "age")}


def _kms(entry: Mapping[str, Any]) -> dict[str, Any]:
    stanza: dict[str, Any] = {"type": "aws_kms", "arn": _text(entry, "arn", "kms").strip(), "context": _context(entry)}
    if entry.get("role"):
        stanza["role"] = entry["role"]
    if entry.get("aws_profile"):
        stanza["profile"] = entry["aws_profile"]
    return {**stanza, "wrapped": _wrapped(entry, "kms")}


def _context(entry: Mapping[str, Any]) -> dict[str, str]:
    """The encryption context, a mapping of names to text as Go decodes it (``map[string]*string``:
    anything else, a list or a nested mapping, fails there too)."""
    context = entry.get("context") or {}
    if not isinstance(context, Mapping) or any(isinstance(v, (Mapping, list)) for v in context.values()):
        raise FormatError("a sops.kms entry's 'context' is not a mapping of names to text")
    return {str(k): _text_field(v) for k, v in context.items()}


def _gcp_kms(entry: Mapping[str, Any]) -> dict[str, Any]:
    """``enc`` is standard base64 (gcpkms/keysource.go)."""
    return {"type": "gcp_kms", "resource": _text(entry, "resource_id", "gcp_kms").strip(), "aad": GCP_KMS_AAD,
            "wrapped": _wrapped(entry, "gcp_kms")}


def _azure_kv(entry: Mapping[str, Any]) -> dict[str, Any]:
    """``enc`` is unpadded URL-safe base64 in SOPS (azkv/keysource.go), standard base64 in our stanzas."""
    url = f"{_text(entry, 'vault_url', 'azure_kv').strip().rstrip('/')}/keys/{_text(entry, 'name', 'azure_kv')}"
    enc = _wrapped(entry, "azure_kv")
    try:
        wrapped = base64.b64encode(base64.urlsafe_b64decode(enc + "=" * (-len(enc) % 4))).decode("ascii")
    except (binascii.Error, ValueError):
        wrapped = enc  # the provider says it is corrupt, naming the key
    version = _text_field(entry.get("version")).strip()
    return {"type": "azure_kv", "key": url, **({"version": version} if version else {}), "wrapped": wrapped}


def _hc_vault(entry: Mapping[str, Any]) -> dict[str, Any]:
    names = ("vault_address", "engine_path", "key_name")
    return {"type": "hc_vault_transit", **{name: _text(entry, name, "hc_vault").strip() for name in names},
            "wrapped": _wrapped(entry, "hc_vault")}


def _pgp(entry: Mapping[str, Any]) -> dict[str, Any]:
    """``fp`` is a label outside the MAC, as an age entry's ``recipient`` (:mod:`sealfile.sops.keys`)."""
    return {"type": "pgp", "fingerprint": _label(entry, "fp", "pgp"), "wrapped": _wrapped(entry, "pgp")}


_KINDS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "age": _age, "kms": _kms, "gcp_kms": _gcp_kms, "azure_kv": _azure_kv, "hc_vault": _hc_vault, "pgp": _pgp}
"""SOPS's recipient lists and how each entry becomes one of our stanzas."""
KEY_KINDS = tuple(_KINDS)


def entry_stanza(kind: str, entry: Mapping[str, Any]) -> Stanza:
    """One entry of a SOPS ``kind`` list as our stanza (:class:`FormatError` if it is malformed)."""
    return Stanza.from_mapping(_KINDS[kind](entry))


def _stanzas(group: Mapping[str, Any]) -> tuple[list[Stanza], list[str]]:
    """The stanzas of one key group, and the names of recipient lists of kinds sealfile does not know
    (each kept as an empty stanza of that type, so a failed unwrap names it)."""
    stanzas = [Stanza.from_mapping(read(entry)) for kind, read in _KINDS.items() for entry in _entries(group, kind)]
    unknown = [str(k) for k, v in group.items() if k not in _KINDS and k != "key_groups" and isinstance(v, list) and v]
    return stanzas + [Stanza(kind, {}, "") for kind in unknown], unknown


def has_flat_keys(meta: Mapping[str, Any]) -> bool:
    """Whether a recipient list of a kind SOPS knows is filled at the top of the metadata: SOPS then reads
    those lists as the file's one key group and ignores ``key_groups`` (``internalKeygroups``)."""
    return any(isinstance(entries := meta.get(kind), list) and entries for kind in _KINDS)


def _groups(meta: Mapping[str, Any]) -> tuple[tuple[tuple[Stanza, ...], ...], int, list[str]]:
    """The key groups (one, without ``key_groups`` or with flat lists), the threshold, and the unknown kinds met."""
    raw = meta.get("key_groups")
    if raw and (not isinstance(raw, list) or not all(isinstance(g, Mapping) for g in raw) or len(raw) > MAX_GROUPS):
        raise FormatError(f"sops.key_groups must be a list of 1 to {MAX_GROUPS} mappings")
    if not raw or has_flat_keys(meta):
        stanzas, unknown = _stanzas(meta)
        return (tuple(stanzas),), 1, unknown
    read = [_stanzas(group) for group in raw]
    threshold = meta.get("shamir_threshold")
    if isinstance(threshold, float) and threshold.is_integer():  # a JSON number
        threshold = int(threshold)
    if threshold is None or (isinstance(threshold, int) and not isinstance(threshold, bool) and threshold <= 0):
        threshold = len(raw)  # see SopsMetadata.threshold_stated
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 1 <= threshold <= len(raw):
        raise FormatError(f"sops.shamir_threshold must be a number of key groups, 1 to {len(raw)}")
    unknown = list(dict.fromkeys(kind for _, kinds in read for kind in kinds))
    return tuple(tuple(stanzas) for stanzas, _ in read), threshold if len(raw) > 1 else 1, unknown


def parse_metadata(meta: Any) -> SopsMetadata:
    """Read the ``sops:`` mapping; :class:`FormatError` for anything malformed or unsupported."""
    if not isinstance(meta, Mapping):
        raise FormatError("not a SOPS file (the 'sops' key is not a mapping)")
    mac = meta.get("mac")
    if not isinstance(mac, str):
        raise FormatError("sops.mac is missing")
    groups, threshold, unsupported = _groups(meta)
    if not any(groups):
        raise FormatError("the SOPS file has no recipients")
    return SopsMetadata(
        groups=groups,
        threshold=threshold,
        unsupported=unsupported,
        lastmodified=go_rfc3339(meta.get("lastmodified")),
        mac=mac,
        rule=rule_from_metadata(meta),
        mac_only_encrypted=meta.get("mac_only_encrypted") is True,
        version=sops_version(meta.get("version")),
        threshold_stated=_positive(meta.get("shamir_threshold")),
    )


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def suffix_as_regex(suffix: str) -> str:
    """``encrypted_suffix: S`` as the equivalent ``encrypted_regex``."""
    return re.escape(suffix) + r"\Z"

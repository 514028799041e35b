"""What ``sealfile status`` shows for a SOPS file: recipients, rule and counts, read without a key
(status asks no key service, gpg agent or plug-in; ``sealfile verify`` checks the MAC)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sealfile.errors import SealfileError
from sealfile.kms.registry import stanza_name
from sealfile.sops import Kind, about, parse
from sealfile.sops.cipher import is_encrypted
from sealfile.sops.format import entry_stanza, go_rfc3339, has_flat_keys
from sealfile.sops.nodes import Branch, Comment
from sealfile.sops.rules import rule_from_metadata

RECIPIENT_FIELDS = {  # SOPS's entry kind -> the sealfile type name and the field that names the key
    "age": ("age", "recipient"),
    "kms": ("aws_kms", "arn"),
    "gcp_kms": ("gcp_kms", "resource_id"),
    "azure_kv": ("azure_kv", "name"),
    "hc_vault": ("hc_vault_transit", "key_name"),
    "pgp": ("pgp", "fp"),
}


@dataclass(frozen=True)
class SopsStatus:
    kind: Kind
    version: str
    lastmodified: str
    rule: tuple[str, str]
    mac_only_encrypted: bool
    recipients: list[tuple[str, str]]
    """``(type, key id)`` per entry; entries of several key groups are prefixed ``group N``."""
    threshold: int | None
    counted_twice: list[str]
    """A note per key in several key groups (:func:`counted_twice`)."""
    values: int
    encrypted: int


def _key_id(kind: str, entry: Mapping[str, Any]) -> str:
    if kind == "azure_kv":
        return f"{entry.get('vault_url', '?')}/keys/{entry.get('name', '?')}/{entry.get('version', '')}".rstrip("/")
    if kind == "hc_vault":
        return f"{entry.get('vault_address', '?')}/v1/{entry.get('engine_path', '?')}/keys/{entry.get('key_name', '?')}"
    return str(entry.get(RECIPIENT_FIELDS[kind][1], "?"))


def key_groups(meta: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The metadata's key groups as SOPS reads them (itself when it has none, or has flat recipient lists);
    what is not a mapping is no group (a file is anyone's input: ``review`` and ``git diff`` read it without a key)."""
    groups = meta.get("key_groups")
    if not isinstance(groups, list) or not groups or has_flat_keys(meta):
        return [meta]
    return [group for group in groups if isinstance(group, Mapping)]


def _group_entries(group: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = []
    for kind in RECIPIENT_FIELDS:
        entries = group.get(kind)
        found += [_named(kind, entry) for entry in (entries if isinstance(entries, list) else [])
                  if isinstance(entry, Mapping)]
    return found


def _named(kind: str, entry: Mapping[str, Any]) -> tuple[str, str]:
    """An entry named as the same recipient of a sealed file is (``review`` of a file converted from SOPS compares
    the two): read as our stanza and named by its provider; a malformed entry by its own fields."""
    try:
        return stanza_name(entry_stanza(kind, entry))
    except SealfileError:
        return RECIPIENT_FIELDS[kind][0], _key_id(kind, entry)


def recipients(meta: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(type, key id)`` per entry of the metadata, of every key group (``group N type`` then)."""
    groups = key_groups(meta)
    return [(f"group {number} {name}" if len(groups) > 1 else name, key_id)
            for number, group in enumerate(groups, 1) for name, key_id in _group_entries(group)]


def counted_twice(meta: Mapping[str, Any]) -> list[str]:
    """A note per key that is in several key groups: SOPS lets it open each of them, so it counts that many
    times toward the threshold ('any 2 of the key groups' is then one person when a key is in two)."""
    groups = key_groups(meta)
    where: dict[tuple[str, str], list[int]] = {}
    for number, group in enumerate(groups, 1):
        for entry in dict.fromkeys(_group_entries(group)):
            where.setdefault(entry, []).append(number)
    needed = groups_needed(meta, len(groups))
    return [f"{name} {key_id} is in key groups {', '.join(map(str, numbers))}: it counts {len(numbers)} times "
            f"toward the {needed} needed" + (", and opens the file alone" if len(numbers) >= needed else "")
            for (name, key_id), numbers in where.items() if len(groups) > 1 and len(numbers) > 1]


def groups_needed(meta: Mapping[str, Any], groups: int) -> int:
    """How many key groups open the file: ``shamir_threshold``, or every group when it is not set; never fewer
    than two of several (SOPS combines at least two parts, whatever the threshold says)."""
    if groups <= 1:  # SOPS's flat lists, or one group: opens alone, whatever the field says
        return groups
    threshold = meta.get("shamir_threshold")
    needed = threshold if isinstance(threshold, int) and not isinstance(threshold, bool) and threshold else groups
    return max(needed, 2)


def recipient_groups(text: str, kind: Kind) -> tuple[list[list[tuple[str, str]]], int]:
    """``(type, key id)`` per entry of each key group, and how many groups open the file (``recipients list``)."""
    with about(kind):
        meta = parse(text, kind)[1]
    return named_groups(meta)


def named_groups(meta: Mapping[str, Any]) -> tuple[list[list[tuple[str, str]]], int]:
    """:func:`recipient_groups` of parsed metadata."""
    groups = key_groups(meta)
    return [_group_entries(group) for group in groups], groups_needed(meta, len(groups))


def _count(node: Any, found: list[int]) -> None:
    """``found``: [values, encrypted]; nulls and comments are not values (SOPS skips them)."""
    if isinstance(node, Branch):
        for _, value in node.entries():
            _count(value, found)
    elif isinstance(node, list):
        for item in node:
            _count(item, found)
    elif node is not None and not isinstance(node, Comment) and not (isinstance(node, str) and "type:comment]" in node):
        found[0] += 1
        found[1] += is_encrypted(node)


def describe(text: str, kind: Kind) -> SopsStatus:
    """Everything a reader without keys can learn."""
    with about(kind):
        documents, meta = parse(text, kind)
        rule = rule_from_metadata(meta)
        counts = [0, 0]
        for document in documents:
            _count(document, counts)
        groups = len(key_groups(meta))
        return SopsStatus(kind, str(meta.get("version", "")), go_rfc3339(meta.get("lastmodified")),
                          (rule.kind, rule.pattern), meta.get("mac_only_encrypted") is True, recipients(meta),
                          groups_needed(meta, groups) if groups > 1 else None, counted_twice(meta), counts[0],
                          counts[1])

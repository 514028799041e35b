"""A sealed file's recipients as SOPS metadata entries, in the same key groups, each wrapping a new
data key (or, with several groups, that group's Shamir part of it).

SOPS keeps a wrapped data key per recipient as we do; only the spelling differs
(:mod:`sealfile.sops.format` reads each entry back into one of our stanzas, this module is its
reverse): an age entry is ``{recipient, enc}`` with the same armored age file, an AWS KMS entry
``{arn, role, context, created_at, enc, aws_profile}`` with the same base64 blob, a GCP Cloud KMS
entry ``{resource_id, created_at, enc}`` with the base64 KMS ciphertext of a wrap made without
associated data (SOPS sends none, and sealfile's own GCP stanzas bind some by default, so the new
data key is wrapped for SOPS without it; gcpkms/keysource.go), an Azure Key Vault entry
``{vault_url, name, version, created_at, enc}`` with the RSA-OAEP-256 result in unpadded URL-safe
base64 (azkv/keysource.go), a PGP entry ``{fp, created_at, enc}`` with the same armored OpenPGP
message gpg makes for the fingerprint (pgp/keysource.go), and a Vault Transit entry
``{vault_address, engine_path, key_name, created_at, enc}`` with the Transit ciphertext
``vault:vN:...`` as the engine returned it (hcvault/keysource.go).

Key groups are split by :func:`sealfile.envelope.datakey.wrap_groups`, the same split sealfile
files use: shares at x = 1, 2, 3... in group order with x in the last byte, as SOPS makes and reads
them. Kinds SOPS has no key source for (the OS keyring, plug-ins) are left out and said; a key
group left with none of its recipients is dropped (never loosening the threshold), and an export
that SOPS could not open with as many groups as the sealed file needs is refused.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sealfile.envelope.datakey import wrap_groups
from sealfile.errors import FormatError
from sealfile.kms.base import MasterKey
from sealfile.kms.gcp.key import GcpKmsKey
from sealfile.kms.groups import KeyGroups, distinct_keys
from sealfile.kms.registry import keys_for
from sealfile.model.metadata import Metadata, Stanza
from sealfile.sops.format import GCP_KMS_AAD
from sealfile.sops.gotime import utc_seconds
from sealfile.sops.nodes import Branch, Item
from sealfile.sops.writer import Entry


@dataclass(frozen=True)
class SopsKeys:
    groups: list[list[Entry]]
    """The entries of each key group (one group: SOPS's flat recipient lists)."""
    threshold: int
    """How many groups open the file (SOPS's ``shamir_threshold``)."""
    notes: list[str]
    """What was left out, and why."""


def _branch(*pairs: tuple[str, object]) -> Branch:
    return Branch(Item(key, value) for key, value in pairs if value is not None)


def _age(fields: Mapping[str, Any], wrapped: str, created_at: str) -> Entry:
    return "age", _branch(("recipient", fields["recipient"]), ("enc", wrapped))


def _aws_kms(fields: Mapping[str, Any], wrapped: str, created_at: str) -> Entry:
    context = Branch(Item(name, value) for name, value in fields.get("context", {}).items()) or None
    return "kms", _branch(("arn", fields["arn"]), ("role", fields.get("role")), ("context", context),
                          ("created_at", created_at), ("enc", wrapped), ("aws_profile", fields.get("profile") or ""))


def _azure_kv(fields: Mapping[str, Any], wrapped: str, created_at: str) -> Entry:
    url, _, rest = str(fields["key"]).partition("/keys/")
    raw = base64.urlsafe_b64encode(base64.b64decode(wrapped)).decode("ascii").rstrip("=")
    return "azure_kv", _branch(("vault_url", url), ("name", rest.split("/")[0]),
                               ("version", fields.get("version") or ""), ("created_at", created_at), ("enc", raw))


def _gcp_kms(fields: Mapping[str, Any], wrapped: str, created_at: str) -> Entry:
    return "gcp_kms", _branch(("resource_id", fields["resource"]), ("created_at", created_at), ("enc", wrapped))


def _pgp(fields: Mapping[str, Any], wrapped: str, created_at: str) -> Entry:
    return "pgp", _branch(("fp", fields["fingerprint"]), ("created_at", created_at), ("enc", wrapped))


def _hc_vault(fields: Mapping[str, Any], wrapped: str, created_at: str) -> Entry:
    # SOPS keeps no key version: the ciphertext names it (vault:vN:), and Transit decrypts with it
    return "hc_vault", _branch(("vault_address", fields["vault_address"]), ("engine_path", fields["engine_path"]),
                               ("key_name", fields["key_name"]), ("created_at", created_at), ("enc", wrapped))


_KINDS: dict[str, Callable[[Mapping[str, Any], str, str], Entry]] = {
    "age": _age, "ssh": _age,  # SOPS keeps SSH recipients among its age ones
    "aws_kms": _aws_kms, "gcp_kms": _gcp_kms, "azure_kv": _azure_kv, "pgp": _pgp, "hc_vault_transit": _hc_vault}
"""Our recipient kinds SOPS has a key source for, and how a stanza of each becomes a SOPS entry."""

_LEFT_OUT = {"keyring": "SOPS has no OS-keyring key source"}


def _as_sops_unwraps(key: MasterKey) -> MasterKey:
    """``key`` wrapping as SOPS's key source unwraps: a Cloud KMS key binds no associated data, since
    SOPS sends none (a wrap bound to sealfile's ``aad`` would not open in SOPS)."""
    return replace(key, aad=GCP_KMS_AAD) if isinstance(key, GcpKmsKey) else key


def _usable(group: tuple[Stanza, ...], notes: dict[str, None]) -> list[MasterKey]:
    """The keys of ``group`` SOPS has a key source for; a note for each kind left out."""
    usable = []
    for stanza, key in zip(group, keys_for(group), strict=True):
        if key.type_id in _KINDS:
            usable.append(_as_sops_unwraps(key))
        else:
            why = _LEFT_OUT.get(key.type_id, "SOPS has no key source for them")
            notes[f"{stanza.type} recipients are left out: {why}"] = None
    return usable


def sops_groups(groups: Sequence[Sequence[MasterKey]], threshold: int) -> tuple[list[tuple[MasterKey, ...]], int]:
    """Key groups as SOPS can hold them. Any one of several groups (a threshold of 1) is one group of all their
    keys: the same keys open it, where SOPS, combining at least two Shamir parts, would need two groups' keys
    (and ``sops encrypt`` refuses a rule with that threshold). One group needs no threshold."""
    if len(groups) > 1 and threshold == 1:
        return [tuple(distinct_keys(key for group in groups for key in group))], 1
    return [tuple(group) for group in groups], threshold if len(groups) > 1 else 1


def sops_keys(meta: Metadata, data_key: bytes) -> SopsKeys:
    """The SOPS entries, grouped as ``meta`` groups its recipients, that give ``data_key`` to the
    same keys (those SOPS has a key source for); :class:`FormatError` if SOPS could not open it."""
    notes: dict[str, None] = {}
    groups: list[tuple[MasterKey, ...]] = []
    for number, group in enumerate(meta.groups, 1):
        usable = _usable(group, notes)
        if usable:
            groups.append(tuple(usable))
        elif meta.grouped:
            notes[f"key group {number} is left out: none of its recipients has a SOPS key source"] = None
    if not groups:
        raise FormatError("none of the file's recipients has a SOPS key source")
    if len(groups) < meta.threshold:
        raise FormatError(f"the file needs {meta.threshold} key groups, and only {len(groups)} have a recipient "
                          "with a SOPS key source", keypath="sealfile.key_groups")
    if meta.threshold == 1 and len(groups) > 1:
        notes[f"any 1 of {len(groups)} key groups is written as one group of their recipients (SOPS combines at "
              "least two parts, so its threshold of 1 would need two groups' keys)"] = None
    groups, threshold = sops_groups(groups, meta.threshold)
    stanzas, threshold = wrap_groups(KeyGroups(tuple(groups), threshold), data_key)
    created_at = utc_seconds(dt.datetime.now(dt.UTC))
    entries = [[_KINDS[stanza.type](stanza.fields, stanza.wrapped, created_at) for stanza in group]
               for group in stanzas]
    return SopsKeys(entries, threshold, list(notes))

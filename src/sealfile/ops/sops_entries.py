"""A sealed file's recipients as SOPS metadata entries, each wrapping a new data key.

SOPS keeps a wrapped data key per recipient as we do; only the spelling differs: an age entry
is ``{recipient, enc}`` with the same armored age file, an AWS KMS entry ``{arn, role, context,
created_at, enc, aws_profile}`` with the same base64 blob, an Azure Key Vault entry ``{vault_url,
name, version, created_at, enc}`` with the RSA-OAEP-256 result in unpadded URL-safe base64
(azkv/keysource.go). Kinds SOPS has no key source for (the OS keyring, plug-ins) are reported.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence

from sealfile.kms.base import MasterKey, Recipient
from sealfile.kms.registry import key_for
from sealfile.model.metadata import Stanza
from sealfile.sops.nodes import Branch, Item

Entry = tuple[str, Branch]
"""``(sops metadata key, entry)``: ``("age", {recipient, enc})``, ``("kms", {...})``..."""


def _branch(*pairs: tuple[str, object]) -> Branch:
    return Branch(Item(key, value) for key, value in pairs if value is not None)


def _entry(recipient: Recipient, created_at: str) -> Entry | None:
    key, wrapped = recipient.key, recipient.wrapped
    fields = key.to_config()
    if key.type_id in ("age", "ssh"):  # SOPS keeps SSH recipients among its age ones
        return "age", _branch(("recipient", fields["recipient"]), ("enc", wrapped))
    if key.type_id == "aws_kms":
        context = Branch(Item(name, value) for name, value in fields.get("context", {}).items()) or None
        return "kms", _branch(("arn", fields["arn"]), ("role", fields.get("role")), ("context", context),
                              ("created_at", created_at), ("enc", wrapped),
                              ("aws_profile", fields.get("profile") or ""))
    if key.type_id == "azure_kv":
        url, _, rest = str(fields["key"]).partition("/keys/")
        name = rest.split("/")[0]
        raw = base64.urlsafe_b64encode(base64.b64decode(wrapped)).decode("ascii").rstrip("=")
        return "azure_kv", _branch(("vault_url", url), ("name", name), ("version", fields.get("version") or ""),
                                   ("created_at", created_at), ("enc", raw))
    return None


_LEFT_OUT = {"keyring": "SOPS has no OS-keyring key source",
             "pgp": "exporting them is not done yet", "hc_vault_transit": "exporting them is not done yet",
             "gcp_kms": "sealfile binds its GCP KMS wraps to associated data, which SOPS does not send"}


def _sops_can_use(key: MasterKey) -> bool:
    return key.type_id in ("age", "ssh", "aws_kms", "azure_kv")


def sops_entries(stanzas: Sequence[Stanza], data_key: bytes) -> tuple[list[Entry], list[str]]:
    """The SOPS entries for ``stanzas`` (each wrapping ``data_key``) and a note per kind left out."""
    created_at = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    entries: list[Entry] = []
    skipped: dict[str, None] = {}
    for stanza in stanzas:
        key = key_for(stanza)
        if not _sops_can_use(key):
            why = _LEFT_OUT.get(key.type_id, "SOPS has no key source for them")
            skipped[f"{stanza.type} recipients are left out: {why}"] = None
            continue
        entry = _entry(key.wrap(data_key), created_at)
        if entry is not None:
            entries.append(entry)
    return entries, list(skipped)

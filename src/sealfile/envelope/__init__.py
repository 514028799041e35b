"""The sealed format and its crypto (docs/format.md). Raw key bytes stay in here and in kms/."""

from sealfile.envelope.core import (
    Reuse,
    open_data_key,
    reuse_from,
    rewrap,
    seal,
    seal_subtree,
    set_at,
    split_metadata,
    unseal,
    update_mac,
)
from sealfile.envelope.datakey import forget_data_keys
from sealfile.envelope.metadata import FORMAT_VERSION, METADATA_KEY, Metadata
from sealfile.envelope.rules import EncryptionRules

__all__ = [
    "FORMAT_VERSION",
    "METADATA_KEY",
    "EncryptionRules",
    "Metadata",
    "Reuse",
    "forget_data_keys",
    "open_data_key",
    "reuse_from",
    "rewrap",
    "seal",
    "seal_subtree",
    "set_at",
    "split_metadata",
    "unseal",
    "update_mac",
]

"""Finishing a write: the metadata a sealed file is written with.

Every writer (``encrypt``, each change, the merge driver) ends here, whatever implementation made
the change, so a written file is always of the current format version with a MAC over exactly
what it holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from sealfile.envelope.mac import EncodedLeaf, compute_mac
from sealfile.model.metadata import Metadata


def seal_metadata(meta: Metadata, data_key: bytes, leaves: Iterable[EncodedLeaf]) -> Metadata:
    """``meta`` as written now: the current version, and a MAC over ``leaves`` (the signature of
    the previous content no longer applies)."""
    meta = meta.upgraded().with_signature(None)
    return meta.with_mac(compute_mac(data_key, meta, leaves))

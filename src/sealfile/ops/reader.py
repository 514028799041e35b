"""Reading a sealed file into the document model: the one place that chooses the implementation.

``SEALFILE_FAST_PATH=0`` turns the fast one off, so the test suite runs every verb through both.
"""

from __future__ import annotations

import os

from sealfile.model.conflicts import refuse_conflict_markers
from sealfile.ops.document import SealedDocument
from sealfile.ops.spliced import scan_sealed
from sealfile.ops.tree import TreeSealed
from sealfile.stores import Store

FAST_PATH_ENV = "SEALFILE_FAST_PATH"


def fast_path_enabled() -> bool:
    return os.environ.get(FAST_PATH_ENV, "1").strip() != "0"


def read_document(text: str, store: Store) -> SealedDocument:
    """Parse a sealed file; the fast implementation where it applies, else the general one."""
    refuse_conflict_markers(text)
    if store.name == "yaml" and fast_path_enabled() and not text.startswith("\ufeff"):
        fast = scan_sealed(text, store)
        if fast is not None:
            return fast
    return TreeSealed(text, store)

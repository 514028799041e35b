"""Reading a sealed file into the document model: the one place that chooses the implementation.

``SEALFILE_FAST_PATH=0`` turns the fast one off, so the test suite runs every verb through both.
"""

from __future__ import annotations

import os

from sealfile.model.conflicts import refuse_conflict_markers
from sealfile.stores.yaml.basics import Engine, c_parser_available

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from sealfile.ops.document import SealedDocument
    from sealfile.stores import Store

FAST_PATH_ENV = "SEALFILE_FAST_PATH"


def fast_path_enabled() -> bool:
    return os.environ.get(FAST_PATH_ENV, "1").strip() != "0"


def yaml_engine() -> Engine:
    """ruamel's C parser and bulk decryption, unless turned off (or ruamel.yaml.clib is missing)."""
    return "c" if fast_path_enabled() and c_parser_available() else "pure"


def read_document(text: str, store: Store) -> SealedDocument:
    """Parse a sealed file into the document model of its syntax."""
    refuse_conflict_markers(text)
    if store.name == "yaml":  # each implementation imported when first used: keyless readers need neither
        from sealfile.ops.spliced import SplicedSealed

        return SplicedSealed(text, store, yaml_engine())
    from sealfile.ops.tree import TreeSealed

    return TreeSealed(text, store)

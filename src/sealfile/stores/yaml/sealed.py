"""A sealed YAML file read once: its byte-order mark, its body, its scan and its metadata.

What every reader of a sealed YAML file starts from: the keyless one (:mod:`sealfile.ops.keyless`)
and the document model (:mod:`sealfile.ops.spliced`), which can take over what the other read.
"""

from __future__ import annotations

from collections.abc import Sequence

from sealfile.errors import FormatError
from sealfile.model.metadata import Metadata
from sealfile.model.scalars import is_sealed
from sealfile.stores.yaml.engines import Engine, split_bom
from sealfile.stores.yaml.scan import Leaf, Scan, scan

NOT_SEALED = "not a sealed file (no 'sealfile' metadata key)"


def scan_sealed_yaml(text: str, engine: Engine) -> tuple[str, str, Scan, Metadata]:
    """A sealed YAML file read once: its byte-order mark, its body, the scan and the metadata."""
    bom, body = split_bom(text)
    scanned = scan(body, engine=engine)
    if scanned.metadata_node is None:
        raise FormatError(NOT_SEALED)
    return bom, body, scanned, Metadata.from_mapping(scanned.metadata)


def token_flags(leaves: Sequence[Leaf]) -> list[bool]:
    """Whether each leaf holds a sealed value (an ``ENC[...]`` token)."""
    return [type(leaf.value) is str and is_sealed(leaf.value) for leaf in leaves]

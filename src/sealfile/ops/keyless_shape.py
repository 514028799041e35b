"""A sealed document's keys and nesting, read without its key: what ``set`` and ``unset`` check before any
key is used (a typo in a key path must not drop a subtree, nor a missing key reach a key service)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sealfile.errors import FormatError, KeyPathError
from sealfile.model.paths import ListIndex, get_at, resolve
from sealfile.ops.document import SealedLeaf


def keyless_shape(leaves: Sequence[SealedLeaf], documents: Sequence[Any] | None = None) -> Any:
    """The document's keys and lists, read without a key: every value ``None`` but empty mappings and lists. A
    stream's is the list of its documents (a document without values ``None``), as its data is, so a key path
    reaches a document as ``set`` and ``load_secrets`` reach it (``1.c``, ``[1].c``); the leaves name no document
    without values, which a sealed file's :meth:`~sealfile.ops.document.SealedDocument.documents` gives."""
    stream = documents is not None or (bool(leaves) and bool(leaves[0][0]) and isinstance(leaves[0][0][0], ListIndex))
    shape: Any = [] if documents is None else [None if document is None else {} for document in documents]
    shape = shape if stream else {}
    for path, value in leaves:
        node: Any = shape
        for position, segment in enumerate(path):
            last = position == len(path) - 1
            fresh: Any = type(value)() if last and isinstance(value, (dict, list)) else None
            if not last:
                fresh = [] if isinstance(path[position + 1], ListIndex) else {}
            if isinstance(node, list) and int(segment) >= len(node):
                node.extend([None] * (int(segment) - len(node)))  # a stream's documents without values
                node.append(fresh)
            elif isinstance(node, dict) and segment not in node:
                node[segment] = fresh
            node = node[segment]
    return shape


def container_at(shape: Any, keypath: str) -> str | None:
    """``"mapping"`` or ``"list"`` if ``keypath`` names one in ``shape``."""
    try:
        held = get_at(shape, resolve(shape, keypath))
    except (KeyPathError, FormatError):
        return None
    return "mapping" if isinstance(held, dict) else "list" if isinstance(held, list) else None

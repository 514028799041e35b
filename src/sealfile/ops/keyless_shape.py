"""A sealed document's keys and nesting, read without its key: what ``set`` and ``unset`` check before any
key is used (a typo in a key path must not drop a subtree, nor a missing key reach a key service)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sealfile.errors import FormatError, KeyPathError
from sealfile.model.paths import ListIndex, Path, get_at, resolve
from sealfile.ops.document import SealedLeaf
from sealfile.stores.base import Store


def keyless_shape(leaves: Sequence[SealedLeaf]) -> dict[Any, Any]:
    """The document's keys and lists, read without a key: every value ``None`` but empty mappings and lists."""
    shape: dict[Any, Any] = {}
    for path, value in leaves:
        node: Any = shape
        for position, segment in enumerate(path):
            last = position == len(path) - 1
            fresh: Any = type(value)() if last and isinstance(value, (dict, list)) else None
            if not last:
                fresh = [] if isinstance(path[position + 1], ListIndex) else {}
            if isinstance(node, list) and segment == len(node):
                node.append(fresh)
            elif isinstance(node, dict) and segment not in node:
                node[segment] = fresh
            node = node[segment]
    return shape


def container_at(shape: dict[Any, Any], keypath: str) -> str | None:
    """``"mapping"`` or ``"list"`` if ``keypath`` names one in ``shape``."""
    try:
        held = get_at(shape, resolve(shape, keypath))
    except (KeyPathError, FormatError):
        return None
    return "mapping" if isinstance(held, dict) else "list" if isinstance(held, list) else None


def unfit_new_key(shape: dict[Any, Any], path: Path, store: Store) -> str | None:
    """Why ``store`` cannot hold an integer key on ``path`` (as ``place`` made it in ``shape``), if it cannot.

    A bracketed index where ``set`` makes a mapping (below a null or a missing key, in a new list item) is
    an integer key, which JSON has not. Only integers are checked: every other key on the path is read
    from the file or is text, and a key the file holds (a YAML date) must stay reachable."""
    node: Any = shape
    for segment in path:
        if isinstance(node, dict) and isinstance(segment, int) and not isinstance(segment, bool):
            reason = store.unfit(segment, key=True)
            if reason is not None:
                return reason
        node = node[segment]
    return None

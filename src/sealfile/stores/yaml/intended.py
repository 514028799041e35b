"""A structural edit checked against what it means to do: the text an edit gives must read as the
data before it with that one change made. A block entry written where the text means otherwise
(a dash left out, an item's indentation read as a plain scalar's continuation line) would be a
valid file holding other data, which no later read-back can tell from the intended one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sealfile.errors import FormatError, KeyPathError
from sealfile.model.paths import Path
from sealfile.model.scalars import same_data
from sealfile.stores.yaml.scan import scan


def changed_tree(tree: Any, path: Path, change: Callable[[Any], None]) -> Any:
    """``tree`` with ``change`` made to the container at ``path``; only the containers along the
    path are copied, so ``tree`` itself stays as it was."""
    root = _copy(tree)
    node = root
    for segment in path:
        node[segment] = _copy(node[segment])
        node = node[segment]
    change(node)
    return root


def _copy(node: Any) -> Any:
    return dict(node) if isinstance(node, dict) else list(node)


def checked(changed: str, intended: Any, keypath: str) -> str:
    """``changed``, refused (naming ``keypath``) unless it reads as ``intended``."""
    try:
        same = same_data(scan(changed).tree, intended)
    except FormatError as err:
        raise KeyPathError(f"this change cannot be written in place here ({err.message}); please report it",
                           keypath=keypath) from None
    if not same:
        raise KeyPathError("this change cannot be written in place here (the edited text would hold other "
                           "data); please report it", keypath=keypath)
    return changed

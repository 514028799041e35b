"""The leaves of a store's editable tree (the sealed file as the store read it): found, and replaced."""

from __future__ import annotations

from typing import Any

from sealfile.model.paths import Path, get_at, iter_leaves
from sealfile.model.scalars import is_sealed
from sealfile.stores import Store


def replace_leaf(tree: Any, path: Path, value: Any) -> None:
    """Replace an existing value in place, without a store's habit (ruamel's) of giving a new
    string the quoting of the value it replaces: the value carries its own style."""
    parent = get_at(tree, path[:-1])
    if isinstance(parent, dict):
        dict.__setitem__(parent, path[-1], value)
    else:
        list.__setitem__(parent, int(path[-1]), value)


def scalar_leaves(tree: Any, under: Path = ()) -> list[tuple[Path, Any]]:
    """Every scalar at or below ``under``, with its full path."""
    return [(path, value) for path, value in iter_leaves(get_at(tree, under), under)
            if not isinstance(value, (dict, list))]


def mac_leaves(tree: Any, store: Store) -> list[tuple[Path, Any]]:
    """Every leaf as the MAC sees it: tokens as text, plaintexts as neutral values."""
    return [(path, value if isinstance(value, (dict, list)) or is_sealed(value) else store.read_scalar(value))
            for path, value in iter_leaves(tree)]

"""Structural changes to a plaintext document, made in its own syntax: set a value or subtree, remove one.

YAML plaintexts are edited as text (only the lines that change are written; see
:mod:`sealfile.stores.yaml.edit`); JSON and dotenv through the store's editable tree. The merge
driver applies the other side's changes this way before sealing the result again.
"""

from __future__ import annotations

from typing import Any

from sealfile.model.path_place import place
from sealfile.model.paths import ListIndex, Path, format_keypath, get_at, has_path
from sealfile.model.scalars import Styled
from sealfile.ops.tree import plain_values
from sealfile.stores import Store
from sealfile.stores.yaml import edit as yaml_edit
from sealfile.stores.yaml.basics import split_bom
from sealfile.stores.yaml.edit import FIRST
from sealfile.stores.yaml.scan import scan


def set_path(plaintext: str, store: Store, path: Path, value: Any, *, after: Any = None,
             written_as: str | None = None) -> str:
    """The plaintext with ``value`` at ``path``, placed as ``set`` places it (a null on the way becomes a mapping);
    a new key goes after the key ``after`` of its mapping (:data:`FIRST`: before the others), else last.
    ``written_as``: a JSON or dotenv text holding ``value`` at ``path``, whose quotes and spellings its scalars keep
    (the merge driver's other side: its value written as that side wrote it, not afresh)."""
    if store.name == "yaml":
        bom, body = split_bom(plaintext)
        return bom + yaml_edit.set_value(body, scan(body), path, value, after=after)
    if written_as is not None and store.name == "dotenv":  # flat: the value's line as that text has it
        from sealfile.stores.dotenv import DotenvStore

        assert isinstance(store, DotenvStore)
        return store.with_line(plaintext, written_as, str(path[-1]), after)
    tree = store.load_editable(plaintext)
    placed, existed = place(tree, path, store.new_mapping,
                            lambda parent: store.read_scalar(get_at(tree, parent)).value is None)
    parent = get_at(tree, placed[:-1])
    new = _to_store(value, store) if written_as is None else _as_in(written_as, store, path)
    if isinstance(parent, list):
        list.__setitem__(parent, int(placed[-1]), new)
    else:
        parent[placed[-1]] = new
        if not existed and after is not None:
            _move_after(parent, placed[-1], after)
    return store.dump(tree, like=plaintext)


def _move_after(mapping: Any, key: Any, after: Any) -> None:
    """Reorder ``mapping`` (insertion-ordered) so ``key`` follows ``after`` (or comes first)."""
    items = [(k, v) for k, v in mapping.items() if k != key]
    position = 0 if after is FIRST else next((i + 1 for i, (k, _) in enumerate(items) if k == after), len(items))
    items.insert(position, (key, mapping[key]))
    mapping.clear()
    mapping.update(items)


def plain_data(plaintext: str, store: Store) -> Any:
    """The data a plaintext holds, as every reader of ``store`` reads it."""
    if store.name == "yaml":
        return scan(split_bom(plaintext)[1]).tree
    return plain_values(store.load_editable(plaintext), store)


def remove_path(plaintext: str, store: Store, path: Path) -> str:
    if store.name == "yaml":
        bom, body = split_bom(plaintext)
        return bom + yaml_edit.remove(body, scan(body), format_keypath(path))
    tree = store.load_editable(plaintext)
    if has_path(tree, path):
        del get_at(tree, path[:-1])[path[-1]]
    return store.dump(tree, like=plaintext)


def _to_store(value: Any, store: Store) -> Any:
    if isinstance(value, dict):
        mapping = store.new_mapping()
        for key, item in value.items():
            mapping[key] = _to_store(item, store)
        return mapping
    if isinstance(value, list):
        return [_to_store(item, store) for item in value]
    return store.write_scalar(Styled(value))


def _as_in(text: str, store: Store, path: Path) -> Any:
    """The value at ``path`` of ``text`` as the store writes it again: each scalar with its style and spelling."""
    spellings = store.spellings(text)

    def styled(node: Any, at: Path) -> Any:
        if isinstance(node, dict):
            mapping = store.new_mapping()
            for key, item in node.items():
                mapping[key] = styled(item, (*at, key))
            return mapping
        if isinstance(node, list):
            return [styled(item, (*at, ListIndex(i))) for i, item in enumerate(node)]
        return store.write_scalar(store.read_scalar(node), spellings.get(at))

    return styled(get_at(store.load_editable(text), path), path)


__all__ = ["FIRST", "plain_data", "remove_path", "set_path"]

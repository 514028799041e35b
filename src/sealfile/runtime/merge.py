"""Several secrets files read as one: merged in the order given, a later file's value wins.

Mappings merge key by key, recursively; anything else (a value, a list) is replaced whole by a
later file's. Where a later file replaces a different value of an earlier one, the merge reports
an :class:`Override` (the key path and both files, never the values), so a deployment that layers
``prod.enc.yaml`` over ``base.enc.yaml`` sees what it overrode. Keys keep the position of their
first appearance, as ``dict.update`` does. Keys are compared as YAML compares them: a later ``true``
does not replace an earlier ``1`` (one key to a ``dict``, two to YAML), and the pair is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sealfile.errors import FormatError
from sealfile.model.paths import Path, format_keypath, has_key
from sealfile.model.scalars import same_data


class OverriddenSecretWarning(UserWarning):
    """A file given later to ``load_secrets`` replaced a different value of an earlier one."""


class Override(NamedTuple):
    keypath: str
    earlier: str
    later: str

    def __str__(self) -> str:
        return f"{self.keypath}: set in {self.earlier} and in {self.later}; the value from {self.later} is used"


def merge_trees(trees: Sequence[tuple[str, Any]]) -> tuple[Any, list[Override]]:
    """Merge ``(file name, tree)`` pairs in order; the merged tree and every override, in order."""
    for name, tree in trees:
        if not isinstance(tree, dict):
            raise FormatError("only files whose top level is a mapping can be merged", file=name)
    merged: dict[Any, Any] = {}
    origins: dict[Any, Any] = {}
    overrides: list[Override] = []
    for name, tree in trees:
        _merge_into(merged, origins, tree, (), name, overrides)
    return merged, overrides


# ``origins`` mirrors the merged tree: a value's entry is the name of the file it came from; a
# mapping's is ``(file that last set something in it, its own origins)``.


def _merge_into(target: dict[Any, Any], origins: dict[Any, Any], tree: dict[Any, Any], at: Path, name: str,
                overrides: list[Override]) -> None:
    for key, value in tree.items():
        path: Path = (*at, key)
        old = target.get(key, _MISSING)
        if old is not _MISSING and not has_key(target, key):
            raise _same_python_key(target, key, at, origins, name)
        if isinstance(old, dict) and isinstance(value, dict):
            origins[key] = (name, origins[key][1])
            _merge_into(old, origins[key][1], value, path, name, overrides)
            continue
        if old is not _MISSING and not same_data(old, value):
            earlier = origins[key] if isinstance(origins[key], str) else origins[key][0]
            overrides.append(Override(format_keypath(path), earlier, name))
        target[key] = _copied(value)
        origins[key] = _origins_of(value, name)


def _same_python_key(target: dict[Any, Any], key: Any, at: Path, origins: dict[Any, Any], name: str) -> FormatError:
    """Two YAML keys one ``dict`` cannot hold apart (``1`` and ``true``, ``0`` and ``false``): neither replaces
    the other, and keeping one would change a key, so its name in ``exec``'s environment; refused."""
    earlier = next(k for k in target if k == key)
    where = origins[earlier] if isinstance(origins[earlier], str) else origins[earlier][0]
    return FormatError(f"is the same Python key as {format_keypath((*at, earlier))} in {where}: both cannot be "
                       "kept in one mapping (rename one)", file=name, keypath=format_keypath((*at, key)))


def _origins_of(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        return name, {key: _origins_of(inner, name) for key, inner in value.items()}
    return name


def _copied(value: Any) -> Any:
    """Mappings copied, so merging a later file into them never changes an earlier file's tree."""
    return {k: _copied(v) for k, v in value.items()} if isinstance(value, dict) else value


_MISSING = object()

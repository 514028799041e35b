"""What else a ``set`` or ``unset`` changed through YAML's aliases and merge keys: a key of an anchored mapping
(``base: &b {k: v}``) is also read where an alias names it (``copy: *b``) or ``<<`` merges it (``child: {<<: *b}``),
so changing it there changes those too. The YAML is right, and the user hears which key paths (never values).

Found without a key: the leaves of the text before and after. A leaf the change wrote holds a token bound to its
path, so another path holding that very token reads it through an alias; a path that came or went, or a plaintext
value that changed, outside what the change itself wrote, changed through one too. Tokens a rotation renews
everywhere are not taken as changes."""

from __future__ import annotations

from collections.abc import Callable

from sealfile.errors import SealfileError
from sealfile.model.paths import ListIndex, Path, format_keypath, resolve
from sealfile.model.scalars import is_sealed
from sealfile.ops.keyless_shape import keyless_shape
from sealfile.ops.reader import read_document
from sealfile.stores import Store


def telling_aliases(edit: Callable[[str], str], keypath: str, store: Store, told: list[str], *,
                    removes: bool = False) -> Callable[[str], str]:
    """``edit`` (a ``set``, or with ``removes`` an ``unset``, of ``keypath``), filling ``told`` with
    :func:`changed_through_aliases` once it has run."""

    def run(text: str) -> str:
        changed = edit(text)
        try:
            told[:] = changed_through_aliases(text, changed, keypath, store, removes=removes)
        except SealfileError:  # both texts were just read and written: a note never stands in the write's way
            told.clear()
        return changed

    return run


def changed_through_aliases(before: str, after: str, keypath: str, store: Store, *, removes: bool = False
                            ) -> list[str]:
    """The key paths, other than ``keypath``'s own, whose data changed from ``before`` to ``after`` (outermost
    first, in document order); empty where the file has no anchor."""
    if store.name != "yaml" or "&" not in before or before == after:
        return []
    old, new = read_document(before, store), read_document(after, store)
    was, now = dict(old.leaves()), dict(new.leaves())
    where = old if removes else new
    own = resolve(keyless_shape(where.leaves(), where.documents()), keypath)
    tokens = {value for path, value in now.items() if _written(path, own, removes) and is_sealed(value)}
    found: list[Path] = []
    for path in [*was, *(path for path in now if path not in was)]:
        if _written(path, own, removes) or path == own[:len(path)]:  # its own, and a null above it made a mapping
            continue
        if (path in was) != (path in now) or (is_sealed(now[path]) and now[path] in tokens) or (
                not is_sealed(now[path]) and now[path] != was[path]):
            found.append(path)
    return [format_keypath(path) for path in found
            if not any(path[:len(other)] == other for other in found if len(other) < len(path))]


def _written(path: Path, own: Path, removes: bool) -> bool:
    """Whether the change itself wrote ``path``: at or below ``own``; for an ``unset`` of a list item, also the
    later items, which move up one place."""
    if path[:len(own)] == own:
        return True
    depth = len(own) - 1
    return (removes and isinstance(own[-1], ListIndex) and len(path) > depth and path[:depth] == own[:depth]
            and isinstance(path[depth], ListIndex) and int(path[depth]) >= int(own[-1]))

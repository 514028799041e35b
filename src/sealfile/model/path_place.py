"""Where a ``set`` puts its value: the one walk every writer takes down a key path, over what exists, to what it
creates (the sealed tree of ``set``, a plaintext's tree or text in the merge driver, the YAML text edit).

A null on the way (``resources:`` above commented-out children, as Helm charts ship them) becomes a mapping as a
missing key would; any other single value is refused, never dropped to make room.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

from sealfile.errors import KeyPathError
from sealfile.model.keypath_syntax import KeyPath, Selector
from sealfile.model.path_hints import bracketed, canonical_twin_hint, dotted_key_hint
from sealfile.model.paths import (
    ListIndex,
    Path,
    Segment,
    find_key,
    format_keypath,
    get_at,
    list_index,
    new_key,
    parse_keypath,
)

HoldsNull = Callable[[Path], bool]


def reach(tree: Any, keypath: str | Path, holds_null: HoldsNull | None = None) -> tuple[Path, KeyPath]:
    """The typed path of the deepest existing value ``keypath`` passes through, and the selectors below it that
    name nothing yet (a ``set`` creates them). A value the walk goes on from must be a mapping, a list (one past its
    end: nothing yet) or a null ``holds_null(path)`` accepts (the caller may have to decrypt it; a stream's
    document holding no value reads as one, and takes its first key as a null value does); any other is refused.
    ``keypath`` is what a user typed, or a typed path (a merge's), which names exactly its keys: a new key that the
    user more likely meant as another (a key holding dots, one spelled otherwise) is refused for the first only."""
    typed = not isinstance(keypath, str)
    if isinstance(keypath, str):
        selectors, shown = parse_keypath(keypath), keypath
    else:
        selectors, shown = _selectors(keypath), format_keypath(keypath)
    if isinstance(tree, list) and len(selectors) == 1:  # only a stream's data is a list at the top
        raise KeyPathError("names a whole document of the stream, whose top level must stay a mapping: set a key in "
                           f"it ({shown}.key), or change the document with sealfile edit", keypath=shown)
    path: list[Segment] = []
    node = tree
    for position, selector in enumerate(selectors):
        if isinstance(node, list):
            index = list_index(selector, len(node), shown, append=True) if position else _document(node, selector,
                                                                                                     shown)
            if index == len(node):
                return tuple(path), selectors[position:]
            path.append(index)
        elif isinstance(node, Mapping):
            key = find_key(node, selector, shown)
            if key is None:
                if not typed:
                    _refuse_likely_meant(node, selectors, position, shown)
                return tuple(path), selectors[position:]
            path.append(key)
        elif path and holds_null is not None and holds_null(tuple(path)):  # a stream's empty document is one too
            return tuple(path), selectors[position:]
        else:
            raise KeyPathError(through_value(tuple(path)), keypath=shown)
        node = node[path[-1]]
    return tuple(path), ()


def _document(documents: list[Any], selector: Selector, keypath: str) -> ListIndex:
    """The stream's document ``selector`` names: only one that is there (a new one is written whole, with edit)."""
    try:
        return list_index(selector, len(documents), keypath)
    except KeyPathError as err:
        cause = err.message.split(" (")[0]  # the count below says what the list's did
        raise KeyPathError(f"{cause}: the stream's documents are 0 to {len(documents) - 1} (a new document is "
                           "added with sealfile edit)", keypath=keypath) from None


def _selectors(path: Path) -> KeyPath:
    return tuple(Selector("int", int(s)) if isinstance(s, ListIndex) else
                 Selector("str" if isinstance(s, str) else "bool" if isinstance(s, bool) else "int", s) for s in path)


def _refuse_likely_meant(node: Mapping[Any, Any], selectors: KeyPath, position: int, keypath: str) -> None:
    hint = dotted_key_hint(node, selectors, position)
    if hint:  # 'a.b' would add a mapping 'a' beside the key 'a.b' the user most likely meant
        apart = (*selectors[:position], *(Selector("str", s.value) for s in selectors[position:]))
        raise KeyPathError(f"no such key{hint} (to add a new mapping instead: {bracketed(apart)})", keypath=keypath)
    twin = canonical_twin_hint(node, selectors, position)
    if twin:  # set would add a second key that reads the same, which the application never reads
        raise KeyPathError(f"no such key{twin}", keypath=keypath)


def place(tree: Any, keypath: str | Path, new_mapping: Callable[[], Any],
          holds_null: HoldsNull | None = None) -> tuple[Path, bool]:
    """Resolve ``keypath`` for a ``set`` (:func:`reach`), making what is missing: mappings with ``new_mapping`` (a
    null on the way replaced by one), a missing last key (or the next list index) added holding ``None``. Returns
    the typed path and whether the value existed."""
    path, missing = reach(tree, keypath, holds_null)
    if not missing:
        return path, True
    shown, lists = (keypath, True) if isinstance(keypath, str) else (format_keypath(keypath), False)
    node = get_at(tree, path)
    if not isinstance(node, (list, MutableMapping)):  # a null reach accepted
        node = get_at(tree, path[:-1])[path[-1]] = new_container(missing[0], new_mapping, shown, lists)
    placed = list(path)
    for position, selector in enumerate(missing):
        last = position == len(missing) - 1
        new = None if last else new_container(missing[position + 1], new_mapping, shown, lists)
        if isinstance(node, list):
            placed.append(ListIndex(len(node)))
            node.append(new)
        else:
            placed.append(new_key(selector))
            node[placed[-1]] = new
        node = new
    return tuple(placed), False


def new_container(selector: Selector, new_mapping: Callable[[], Any], keypath: str, lists: bool = True) -> Any:
    """What a ``set`` creates for ``selector`` to name something in, where nothing is (a missing key, a null): a
    list for a bracketed index (``x[0]``, as ``sops set`` makes one), its first item, else a mapping. Not ``lists``:
    always a mapping (a merge's typed path, whose integer may be a mapping's key)."""
    if selector.kind != "int" or not lists:
        return new_mapping()
    list_index(selector, 0, keypath, append=True)  # the new list is empty: [0] appends, any other is refused
    return []


def built(selectors: Sequence[Selector], value: Any, keypath: str, lists: bool = True) -> Any:
    """``value`` inside what a ``set`` creates for ``selectors`` below a new key or a null (:func:`new_container`)."""
    for selector in reversed(selectors):
        new = new_container(selector, dict, keypath, lists)
        value = [value] if isinstance(new, list) else {new_key(selector): value}
    return value


def through_value(path: Path) -> str:
    """Why ``set`` cannot go on at ``path``, and the way on: an empty key holds a null, which ``set`` makes a
    mapping; any other value is never replaced unasked."""
    where = format_keypath(path)
    return (f"the path goes through a value that is not a mapping or list ({where} holds a single value: to make "
            f"it a mapping, first set {where} --type yaml '{{}}')")

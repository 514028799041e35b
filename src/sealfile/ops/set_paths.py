"""Why a ``set`` or ``unset`` cannot take a key path, named by its true cause: the keys a ``set`` would create that
the file's syntax cannot hold, a path deeper than a flat syntax holds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sealfile.errors import FormatError, KeyPathError
from sealfile.model.keypath_syntax import KeyPath
from sealfile.model.metadata import METADATA_KEY
from sealfile.model.paths import Path, format_keypath, new_key, parse_keypath
from sealfile.stores import Store


def refuse_unfit_keys(store: Store, parent: Any, missing: KeyPath, keypath: str, *, null: Path | None = None
                       ) -> None:
    """The keys a ``set`` creates are written as its value is: refused where the syntax holds no such key (JSON's
    ``a[0]`` names the integer key 0), as :meth:`~sealfile.stores.Store.first_unfit` refuses one in a value. Below
    a ``null`` the first new key makes the null a mapping: said, as ``a[true]`` there may have meant a list."""
    for position, selector in enumerate(missing):
        if selector.kind == "int" and (position or not isinstance(parent, Mapping)):  # a new list's item: no key
            continue
        reason = store.unfit(new_key(selector), key=True)
        if reason is not None and null is not None:
            where = format_keypath(null)
            reason = f"{where} holds null, which set makes a mapping, and {reason}; for a list, set {where} --type yaml"
            reason += " '[...]'"
        if reason is not None:
            raise FormatError(reason, keypath=keypath)


def refuse_deeper_than_flat(store: Store, keypath: str) -> None:
    """A key path of more than one key names nothing in a syntax that holds no mapping (dotenv): said as such,
    not as whichever check of the walk would fail first (a name, a missing key, a single value)."""
    selectors = parse_keypath(keypath)
    reason = store.unfit({}) if len(selectors) > 1 else None
    if reason is not None:
        dotted = all(selector.kind == "dotted" for selector in selectors)  # a name holding dots, likely
        name = json.dumps([".".join(str(selector.value) for selector in selectors)]) if dotted else None
        raise KeyPathError(f"{reason}: a key path there is one name" + (f" (write {name} for a name holding dots)"
                                                                        if name else ""), keypath=keypath)


def refuse_set_path(store: Store, keypath: str) -> None:
    """What no file can take, known from the key path alone: the metadata's key, a path a flat syntax cannot hold."""
    first = parse_keypath(keypath)[0]
    if first.kind in ("dotted", "str") and first.value == METADATA_KEY:
        raise KeyPathError(f"the top-level key '{METADATA_KEY}' holds the file's metadata and cannot be set",
                           keypath=keypath)
    refuse_deeper_than_flat(store, keypath)

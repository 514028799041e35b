"""File syntaxes: each store turns text into value trees and back, so the envelope never sees syntax.

The store is chosen by the file name, from the suffixes each store declares (``.json`` -> JSON,
``.env``/``.env.enc`` -> dotenv, anything else YAML), unless a command is told
``--input-type``/``--output-type``.
"""

from __future__ import annotations

import os

from sealfile.errors import ConfigError
from sealfile.stores.base import Store
from sealfile.stores.dotenv import DotenvStore
from sealfile.stores.json import JsonStore
from sealfile.stores.yaml.store import YamlStore

STORES: dict[str, Store] = {store.name: store for store in (YamlStore(), JsonStore(), DotenvStore())}
STORE_NAMES = tuple(STORES)
SOPS_ONLY_TYPES = ("ini", "binary")
"""``--input-type`` values that only a SOPS file can have (read by :mod:`sealfile.sops`)."""
DEFAULT_STORE = "yaml"


def get_store(name: str) -> Store:
    try:
        return STORES[name]
    except KeyError:
        raise ConfigError(f"unknown file type {name!r} (one of {', '.join(STORE_NAMES)})") from None


def store_for(path: str | os.PathLike[str] | None, override: str | None = None) -> Store:
    """The store named by ``override``, else the one whose suffix the file name ends with, else YAML."""
    if override:
        return get_store(override)
    name = os.path.basename(os.fspath(path)) if path is not None else ""
    for store in STORES.values():
        if name.endswith(store.suffixes):
            return store
    return STORES[DEFAULT_STORE]


__all__ = ["STORES", "STORE_NAMES", "Store", "get_store", "store_for"]

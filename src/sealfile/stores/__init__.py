"""File syntaxes: each store turns text into value trees and back, so the envelope never sees syntax.

The store is chosen by the file name (``.json`` -> JSON, ``.env``/``.env.enc`` -> dotenv,
anything else YAML) unless a command is told ``--input-type``/``--output-type``.
"""

from __future__ import annotations

import os
from functools import cache

from sealfile.errors import ConfigError
from sealfile.stores.base import Store

STORE_NAMES = ("yaml", "json", "dotenv")


@cache
def get_store(name: str) -> Store:
    if name == "yaml":
        from sealfile.stores.yaml.roundtrip import YamlStore

        return YamlStore()
    if name == "json":
        from sealfile.stores.json import JsonStore

        return JsonStore()
    if name == "dotenv":
        from sealfile.stores.dotenv import DotenvStore

        return DotenvStore()
    raise ConfigError(f"unknown file type {name!r} (one of {', '.join(STORE_NAMES)})")


def store_for(path: str | os.PathLike[str] | None, override: str | None = None) -> Store:
    if override:
        return get_store(override)
    name = os.path.basename(os.fspath(path)) if path is not None else ""
    if name.endswith(".json"):
        return get_store("json")
    if name.endswith((".env", ".env.enc")) or name == ".env":
        return get_store("dotenv")
    return get_store("yaml")


__all__ = ["STORE_NAMES", "Store", "get_store", "store_for"]

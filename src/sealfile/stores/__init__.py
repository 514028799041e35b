"""File syntaxes: each store turns text into value trees and back, so the envelope never sees syntax.

The store is chosen by the file name, from the suffixes each store declares (``.json`` -> JSON,
``.env``/``.env.enc`` -> dotenv), else ``.env.*`` (``.env.production``, as dotenv tools name their
files) -> dotenv, anything else YAML, unless a command is told ``--input-type``/``--output-type``.
"""

from __future__ import annotations

import os
import sys

from sealfile.errors import ConfigError, FormatError
from sealfile.stores.base import SUFFIXES, Store

_CLASSES = {"yaml": "sealfile.stores.yaml.store:YamlStore", "json": "sealfile.stores.json:JsonStore",
            "dotenv": "sealfile.stores.dotenv:DotenvStore"}
"""Each store's class, imported when a file of its syntax is first met (a YAML reader never loads the others)."""
STORE_NAMES = tuple(_CLASSES)
SOPS_ONLY_TYPES = ("ini", "binary")
INI_SUFFIX = ".ini"
"""``--input-type`` values that only a SOPS file can have (read by :mod:`sealfile.sops`)."""
DEFAULT_STORE = "yaml"
_loaded: dict[str, Store] = {}


def check_type_name(name: object) -> None:
    """Refuse a file type no file can have, before any file is read: the one check for sealed and SOPS files."""
    if not isinstance(name, str):
        raise TypeError(f"a file type is a name such as 'yaml', not {type(name).__name__}")
    if name not in STORE_NAMES and name not in SOPS_ONLY_TYPES:
        raise ConfigError(f"unknown file type {name!r} (one of {', '.join(STORE_NAMES)}; "
                          f"for SOPS files also {', '.join(SOPS_ONLY_TYPES)})")


def get_store(name: str) -> Store:
    store = _loaded.get(name)
    if store is not None:
        return store
    target = _CLASSES.get(name)
    if target is None:
        check_type_name(name)
        raise ConfigError(f"file type {name!r} is for SOPS files only; a sealed file is one of "
                          f"{', '.join(STORE_NAMES)}")
    module, _, cls = target.partition(":")
    __import__(module)  # importlib.import_module's work, without loading importlib (~1.7 M instructions)
    made: Store = getattr(sys.modules[module], cls)()
    # one store of each name: threads of a bulk command may both make one, and writers tell "written in
    # the file's own syntax" by identity (``output is store``): the first made is everyone's
    return _loaded.setdefault(name, made)


def store_for(path: str | os.PathLike[str] | None, override: str | None = None) -> Store:
    """The store named by ``override``, else the one whose suffix the file name ends with, else YAML."""
    if override:
        return get_store(override)
    return named_store(path) or get_store(DEFAULT_STORE)


def named_store(path: str | os.PathLike[str] | None) -> Store | None:
    """The store whose suffix the file name ends with (exactly: ``X.JSON`` names none), else dotenv for
    ``.env.*``, else ``None``."""
    name = os.path.basename(os.fspath(path)) if path is not None else ""
    for store_name in STORE_NAMES:
        if name.endswith(SUFFIXES[store_name]):
            return get_store(store_name)
    return get_store("dotenv") if name.startswith(".env.") else None


def names_ini(path: str | os.PathLike[str] | None) -> bool:
    """Whether the name ends with ``.ini``, exactly as ``sops`` picks its INI store by it."""
    return path is not None and os.path.basename(os.fspath(path)).endswith(INI_SUFFIX)


def ini_alternative(path: str | os.PathLike[str]) -> str:
    """The sealed YAML file's name for an INI file's data: ``app.ini`` -> ``app.enc.yaml``, beside it."""
    text = os.fspath(path)
    return f"{text[:-len(INI_SUFFIX)] if text.endswith(INI_SUFFIX) else text}.enc{SUFFIXES['yaml'][0]}"


def aside_name(path: str | os.PathLike[str], label: str) -> str:
    """``path`` with ``.LABEL`` put before the ending that names its syntax (``s.enc.yaml`` -> ``s.enc.LABEL.yaml``,
    ``.env.enc`` -> ``.LABEL.env.enc``; a name that names none, ``.env.prod`` or ``x.sealed``, ends with it),
    so every command reads the new name as it reads ``path``."""
    directory, name = os.path.split(os.fspath(path))
    ending = max((suffix for suffixes in SUFFIXES.values() for suffix in suffixes if name.endswith(suffix)),
                 key=len, default="")
    stem = name[:len(name) - len(ending)] if ending else name
    return os.path.join(directory, f"{stem}.{label}{ending}")


def fitting_name(path: str | os.PathLike[str], store: Store) -> None:
    """Refuse to write a ``store`` file under a name that gives another syntax: every later command
    (``check``, ``set``, the Git drivers, ``load_secrets``) picks the store by the name, so JSON in
    ``x.enc.yaml`` would be read, and changed, as YAML. A name that gives none (``x.sealed``) is
    read with ``--input-type``."""
    if names_ini(path):  # sops, and every INI reader, would take the YAML or JSON written there for INI
        raise FormatError(f"its name says INI, which sealfile does not seal, and every command reads a file by its "
                          f"name: name it {ini_alternative(path)} ('decrypt -o NAME.ini' prints it as INI)",
                          file=os.fspath(path))
    named = named_store(path)
    if named is not None and named.name != store.name:  # a name the default sealed_files patterns cover
        raise FormatError(f"its name says {named.name}, not {store.name}, and every command reads a file by its "
                          f"name: name it *.enc{SUFFIXES[store.name][0]} (or write to standard output)",
                          file=os.fspath(path))


__all__ = ["STORE_NAMES", "Store", "fitting_name", "get_store", "ini_alternative", "named_store", "names_ini",
           "store_for"]

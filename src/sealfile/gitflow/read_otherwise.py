"""Plaintext a change re-spelled so that other readers read another value, while sealfile reads the same.

Why: the seal covers a plaintext value's data, not its spelling (quoting is layout, docs/format.md §7), and
``decrypt`` prints the file's own text. So anyone who can push can turn ``port_unencrypted: 12`` into ``012``
or ``tls_unencrypted: "no"`` into ``no``: the file still verifies and the value diff is empty, yet PyYAML,
``kubectl`` and Go's yaml.v2, fed ``decrypt``'s output, now read 10 and ``false``. Sealfile's own writers never
spell a value so (docs/security.md §2), so such a spelling appearing where the previous version had none is
shown. Only key paths are named: never a value.

A dotenv file's other reader, a shell sourcing ``decrypt``'s output, is not looked at here: every reader refuses
a layout a shell reads otherwise (:mod:`sealfile.stores.dotenv_shell`), so no such version reaches this as a
sealed file, and what does read reads alike to a shell.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sealfile.errors import FormatError
from sealfile.gitflow.sealed import view
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.model.scalars import same_data
from sealfile.stores import Store

_NOT_READ = "the whole file"
"""Where a YAML 1.1 reader refuses the text (a key ``on`` beside ``true`` is a duplicate to it)."""


def re_spelled(store: Store, old: str | None, new: str) -> list[str]:
    """Attention lines for the plaintext a YAML file's ``new`` re-spells for YAML 1.1 readers. Both texts are first
    read as sealed files (an alias bomb is refused there, before either reading expands it); a side that does not
    read counts as absent."""
    if store.name != "yaml":
        return []
    try:
        view(new, store)
    except FormatError:
        return []
    if old is not None:
        try:
            view(old, store)
        except FormatError:
            old = None
    return read_otherwise(old, new)


def read_otherwise(old: str | None, new: str) -> list[str]:
    """Attention lines for each key path ``new`` spells so that YAML 1.1 reads it otherwise and ``old`` did not
    (both already read as sealed files: their size, nodes and aliases are bounded)."""
    before = _misread(old) if old is not None else set()
    return [f"{where}: re-spelled so that YAML 1.1 readers (PyYAML, kubectl, Go's yaml.v2) read another value "
            "than sealfile does, which 'decrypt' passes on ('decrypt --portable' spells it for them)"
            for where in sorted(_misread(new) - before)]


def _misread(text: str) -> set[str]:
    try:
        modern, legacy = _load(text, (1, 2)), _load(text, (1, 1))
    except YAMLError:
        return set()  # not YAML to either: the sealed-file checks say so
    except (ValueError, TypeError, OverflowError):
        return {_NOT_READ}
    if legacy is None:
        return {_NOT_READ}
    if len(modern) == 1 == len(legacy):  # one document: paths without its index, as the file's own
        modern, legacy = modern[0], legacy[0]
    return {format_keypath(path) or "(top level)" for path in _differences(modern, legacy, ())}


def _load(text: str, version: tuple[int, int]) -> Any:
    yaml = YAML(typ="safe")
    yaml.version = version
    try:
        return list(yaml.load_all(text))
    except YAMLError:
        if version == (1, 2):
            raise
        return None


def _differences(modern: Any, legacy: Any, path: Path) -> Iterator[Path]:
    """Paths (as YAML 1.2 reads them) where the two readings of one text differ; both have one shape but for
    the scalars, since the text is the same."""
    if isinstance(modern, dict) and isinstance(legacy, dict):
        if len(modern) != len(legacy):  # two keys one to YAML 1.1
            yield path
            return
        for (key, value), (old_key, old_value) in zip(modern.items(), legacy.items(), strict=True):
            if not _same(key, old_key):
                yield (*path, key)
            else:
                yield from _differences(value, old_value, (*path, key))
    elif isinstance(modern, list) and isinstance(legacy, list) and len(modern) == len(legacy):
        for index, (value, old_value) in enumerate(zip(modern, legacy, strict=True)):
            yield from _differences(value, old_value, (*path, ListIndex(index)))
    elif not _same(modern, legacy):
        yield path


def _same(a: Any, b: Any) -> bool:
    try:
        return same_data(a, b)
    except FormatError:  # a value of a type no sealed file holds: view() refused the text before
        return False

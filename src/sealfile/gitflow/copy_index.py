"""Which sealed file a plaintext data file is a decrypted copy of, found through an index of the sealed files'
key paths, not by comparing every data file with every sealed file.

A change is written by whoever pushes it: two thousand data files beside two thousand sealed files were four
million comparisons (two minutes of a review). Each data file now looks up the sealed files that could match
one of its own key paths or variable names, and what the lookups may cost in all is bounded
(:data:`MAX_COMPARISONS`): past it the change fails as not reviewed, never passes unread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sealfile.model.paths import Path
from sealfile.model.scalars import is_sealed
from sealfile.sops.cipher import is_encrypted

MAX_COMPARISONS = 20_000_000
"""Key paths and names compared for one review or check: a hundred times what a change of ten thousand ordinary
files costs, a few seconds."""

KEYS_HASHED = 16
"""Keys of a path cut and hashed to look a sealed file's first path up that count as one comparison: a path is cut
at each depth of the sealed files' first paths, however deep (cut at 16 keys at most, a deeper sealed file's copy
under another key path went unfound), and a hostile path thousands deep is charged for it."""

NAME_CHARS = 100
"""The characters of a name that count as one comparison: a name of a megabyte, cut at each of the sealed files'
thousands of name lengths, was charged as one comparison per length (seconds of a review, charged as nothing)."""

TOO_MANY = (f"not compared with every sealed file: the change's data and sealed files take more than "
            f"{MAX_COMPARISONS:,} comparisons of key paths; review the change in parts")


class TooManyComparisons(Exception):
    """The change's files cost more comparisons than :data:`MAX_COMPARISONS`."""


@dataclass
class _Sealed:
    source: str
    order: int
    paths: tuple[Path, ...]
    names: tuple[str, ...] | None = None
    """The variable names ``decrypt --output-type dotenv`` gives the paths, worked out when first needed."""

    def variable_names(self) -> tuple[str, ...]:
        if self.names is None:
            from sealfile.runtime.flatten import env_name  # only for a data file that is no copy as written

            self.names = tuple(env_name(p) for p in self.paths)
        return self.names


class SealedCopies:
    """The sealed files a review or check compares data files with (two sealed values or more each: fewer
    is no evidence of a copy). Files with the same key paths are one entry, named by the first added."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Path, ...], _Sealed] = {}
        self._sources: list[str] = []
        self._by_path: dict[Path, list[_Sealed]] = {}
        self._by_name: dict[str, list[_Sealed]] = {}
        self._name_lengths: set[int] = set()
        self._work = 0
        self._depths: set[int] = set()

    def add(self, source: str, leaves: dict[Path, Any]) -> None:
        """Index ``source``'s leaves (key path -> value, tokens as written)."""
        paths = tuple(leaves)
        if paths in self._entries or sum(map(token, leaves.values())) < 2:
            return
        entry = self._entries[paths] = _Sealed(source, len(self._sources), paths)
        self._sources.append(source)
        self._by_path.setdefault(paths[0], []).append(entry)
        self._depths.add(len(paths[0]))
        if all(p for p in paths):
            from sealfile.runtime.flatten import env_name

            first = env_name(paths[0])  # the others when a data file's name ends so (thousands of files indexed)
            self._by_name.setdefault(first, []).append(entry)
            self._name_lengths.add(len(first))

    def copied_by(self, leaves: dict[Path, Any]) -> str | None:
        """The first added sealed file whose every key path ``leaves`` hold in plaintext: as written, or as the
        variable names ``decrypt --output-type dotenv`` and ``k8s-secret`` give them (``DATABASE_PASSWORD``),
        under any ``--prefix``, at the top or in any one mapping (a Kubernetes Secret's ``data``, a compose
        file's ``environment``; as written, under any one key path too). :class:`TooManyComparisons` past the
        bound."""
        found = [entry.order for entry in self._as_written(leaves) if all(plain(leaves[p]) for p in entry.paths)]
        if self._by_name:
            found += [entry.order for entry in self._as_variables(leaves)]
        return self._sources[min(found)] if found else None

    def _as_written(self, leaves: dict[Path, Any]) -> Iterator[_Sealed]:
        """The sealed files whose key paths ``leaves`` hold, at the top or under one key path: a Helm release's
        ``config`` (the values ``helm secrets`` decrypted), an umbrella chart's ``subchart:``, an Ansible ``vars:``."""
        for path in leaves:  # a lookup per cut, a charge per sealed file compared (and per 16 depths, 16 keys cut)
            self._charge(len(self._depths) // KEYS_HASHED)
            # a sealed file's first path, under the prefix path[:cut]: one of the index's lengths, or the path whole
            for cut in (0, *(len(path) - depth for depth in self._depths if depth < len(path))):
                self._charge((len(path) - cut) // KEYS_HASHED)
                for entry in self._by_path.get(path[cut:], ()):
                    self._charge(len(entry.paths))
                    prefix = path[:cut]
                    # under a prefix, every value filled: a chart's 'auth: {username: "", password: ""}' is a form
                    if len(entry.paths) <= len(leaves) and all(prefix + p in leaves and (not cut or _filled(
                            leaves[prefix + p])) for p in entry.paths):
                        yield _Sealed(entry.source, entry.order, tuple(prefix + p for p in entry.paths))

    def _as_variables(self, leaves: dict[Path, Any]) -> Iterator[_Sealed]:
        for variables in _mappings(leaves):
            for name in variables:  # each length cuts the name in two: a long name is that many comparisons
                self._charge(len(self._name_lengths) * (1 + len(name) // NAME_CHARS))
                for length in self._name_lengths:
                    if length <= len(name):
                        yield from self._with_prefix(variables, name[:len(name) - length], name[-length:], leaves)

    def _with_prefix(self, variables: dict[str, Any], prefix: str, first: str,
                     leaves: dict[Path, Any]) -> Iterator[_Sealed]:
        for entry in self._by_name.get(first, ()):
            self._charge(len(entry.paths))
            # also where the file holds every path as written, not in plaintext: '${DB_PASSWORD}' at db.password
            # beside DB_PASSWORD's value is a copy as variables
            if all(prefix + n in variables and plain(variables[prefix + n]) for n in entry.variable_names()):
                yield entry

    def _charge(self, work: int) -> None:
        self._work += work
        if self._work > MAX_COMPARISONS:
            raise TooManyComparisons(TOO_MANY)


def _mappings(leaves: dict[Path, Any]) -> list[dict[str, Any]]:
    """The leaves of each mapping with string keys, by name, that holds two of them or more; and each list of
    variables, as the mapping it stands for: ``- DB_PASSWORD=...`` (a compose file's ``environment``, a CI job's
    ``env``), ``- {name: DB_PASSWORD, value: ...}`` (a Kubernetes container's ``env``) and ``- DB_PASSWORD: ...``,
    which split a copy across a list's items."""
    found: dict[Path, dict[str, Any]] = {}
    listed: dict[Path, dict[str, Any]] = {}
    for path, value in leaves.items():
        if path and isinstance(path[-1], str):
            found.setdefault(path[:-1], {})[path[-1]] = value
            if len(path) >= 2 and isinstance(path[-2], int):  # - DB_PASSWORD: ..., a mapping an item
                listed.setdefault(path[:-2], {}).setdefault(path[-1], value)
            if path[-1] == "name" and len(path) >= 2 and isinstance(path[-2], int) and isinstance(value, str):
                assigned = leaves.get((*path[:-1], "value"))  # none for valueFrom: a Secret's reference, no copy
                if isinstance(assigned, str):
                    listed.setdefault(path[:-2], {})[value] = assigned
        elif path and isinstance(path[-1], int) and isinstance(value, str) and "=" in value:
            name, _, assigned = value.partition("=")
            listed.setdefault(path[:-1], {})[name.strip()] = assigned
    return [names for names in (*found.values(), *listed.values()) if len(names) >= 2]


def _filled(value: Any) -> bool:
    return not isinstance(value, str) or bool(value.strip())


def token(value: Any) -> bool:
    """A sealfile token or a SOPS one: ciphertext, whichever tool wrote it."""
    return isinstance(value, str) and (is_sealed(value) or is_encrypted(value))


def plain(value: Any) -> bool:
    """What a copy holds for a value: neither ciphertext nor a reference to where the value comes from."""
    return not token(value) and not reference(value)


def reference(value: Any) -> bool:
    """``${DB_PASSWORD}``, ``{{ .token }}``: a template's stand-in (a compose file, a chart), not a value."""
    text = value.strip() if isinstance(value, str) else ""
    return (text.startswith("${") and text.endswith("}")) or (text.startswith("{{") and text.endswith("}}"))

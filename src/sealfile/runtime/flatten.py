"""Nested secrets as environment-style names: ``database.password`` -> ``DATABASE_PASSWORD``.

One mapping from a value tree to ``NAME -> text``, shared by ``load_env``, the dotenv and
Kubernetes outputs and ``sealfile exec``, so a value has the same name everywhere.

Rules a caller may rely on:

- a name is the key path's segments joined by ``_``, each segment upper-cased with every
  character outside ``A-Z a-z 0-9`` replaced by ``_``; list positions are their index
  (``hosts.0`` -> ``HOSTS_0``); the prefix is put in front as given (``APP_``);
- values become text: strings as they are, booleans ``true``/``false``, null the empty
  string, numbers as YAML writes them, dates and times RFC 3339 (``Z`` for UTC), binary base64;
- empty mappings and lists hold no value and give no name;
- two key paths that give the same name are an error naming both paths (never a value);
- a name that starts with a digit (a key ``2fa``, a top-level list) is an error naming its key path:
  no shell can set or read it, and Kubernetes leaves it out of ``envFrom``; a prefix avoids it;
- a value no environment variable can hold (a NUL character, a lone surrogate) is an error naming
  its key path, whatever the output: a shell drops the NUL, so the variable would differ.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sealfile.errors import ConfigError, FormatError, SealfileError
from sealfile.model.paths import ListIndex, Path, format_keypath, iter_leaves
from sealfile.model.scalars import scalar_text

_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_PREFIX = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)?\Z")  # a first digit would start every name with it


class NameCollisionError(FormatError):
    """Two key paths flatten to the same environment name."""


def segment_name(segment: Any) -> str:
    if isinstance(segment, ListIndex):
        return str(int(segment))
    if isinstance(segment, bool):
        return "TRUE" if segment else "FALSE"
    return _NOT_ALNUM.sub("_", str(segment)).upper()


def env_name(path: Path, prefix: str = "") -> str:
    """The environment name of one key path."""
    return prefix + "_".join(segment_name(s) for s in path)


def env_value(value: Any) -> str:
    """A scalar as the text an environment variable holds: its one text spelling, null as the empty string."""
    return "" if value is None else scalar_text(value)


def check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str):
        raise TypeError(f"an environment prefix is a string such as 'APP_', not {type(prefix).__name__}")
    if not _PREFIX.match(prefix):
        raise ConfigError(f"an environment prefix may hold only letters, digits and '_', and start with no "
                          f"digit: {prefix!r}")
    return prefix


def flatten(tree: Any, prefix: str = "") -> dict[str, str]:
    """``NAME -> text`` for every value in ``tree`` (a mapping or list), in document order."""
    return flatten_with_origins(tree, prefix)[0]


def flatten_with_origins(tree: Any, prefix: str = "") -> tuple[dict[str, str], dict[str, Path]]:
    """:func:`flatten`, and the key path each name comes from (for errors that name it)."""
    check_prefix(prefix)
    if not isinstance(tree, (dict, list)):
        raise FormatError("only a mapping or a list can be flattened into names (extract a subtree, not a value)")
    names: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for path, value in iter_leaves(tree):
        if isinstance(value, (dict, list)):
            continue
        name = env_name(path, prefix)
        if not name:
            raise FormatError("an empty key gives an empty environment name; use a prefix")
        if name[0].isdigit():
            raise FormatError(f"gives the name {name}, which starts with a digit: no shell can set it (use a prefix)",
                              keypath=format_keypath(path))
        if name in origin:
            raise NameCollisionError(
                f"key paths {format_keypath(origin[name])} and {format_keypath(path)} both give the name {name}"
            )
        origin[name] = path
        names[name] = _holdable(env_value(value), path)
    return names, origin


def _holdable(value: str, path: Path) -> str:
    if "\0" in value:
        raise FormatError("holds a NUL character, which no environment variable can", keypath=format_keypath(path))
    try:
        value.encode(sys.getfilesystemencoding(), "surrogateescape")
    except UnicodeEncodeError:
        raise FormatError("holds text no environment variable can (a lone surrogate?)",
                          keypath=format_keypath(path)) from None
    return value


def under(extract: str | None, keypath: str | None) -> str | None:
    """``keypath``, a path inside the subtree ``extract`` names (``None``: that subtree), from the file's top."""
    if not extract:
        return keypath
    from sealfile.model.keypath_syntax import parse_keypath
    from sealfile.model.paths import format_selectors

    return format_selectors((*parse_keypath(extract), *(parse_keypath(keypath) if keypath else ())))


@contextmanager
def within(extract: str | None) -> Iterator[None]:
    """Errors about the values of the subtree ``extract`` names, with key paths from the file's top: a refusal
    of ``--extract db`` named ``cr``, or ``0`` for ``db.hosts.0``, a path the file does not have."""
    try:
        yield
    except SealfileError as err:
        if err.keypath or isinstance(err, FormatError):  # not a refused prefix, say
            err.keypath = under(extract, err.keypath)
        raise

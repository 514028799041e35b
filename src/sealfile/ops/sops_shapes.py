"""A sealed file's plaintext as SOPS's stores hold its layout, and what they cannot hold of it.

``export-sops`` puts each comment where SOPS keeps one; what a store has no place for is named, never
dropped silently (docs/sops-compat.md §9).
"""

from __future__ import annotations

import re
from typing import Any

from sealfile.model.paths import ListIndex, Path
from sealfile.sops.nodes import Branch, Comment, Item

DOTENV_TRAILING = "a comment after a value on its line is left out (SOPS keeps a dotenv file's whole-line comments)"
DOTENV_EXPORT = "'export' before a key is left out (a SOPS file has no place for it)"
_EXPORT = re.compile(r"\s*export[^\S\r\n]+")
"""python-dotenv's ``export`` prefix (``dotenv.parser._export``), after the blank lines read with a binding."""


def dotenv_shape(plaintext: str) -> tuple[Branch, dict[str, list[str]]]:
    """A sealed dotenv file's keys and whole-line comments, in order, as SOPS's dotenv store holds them, and
    the keys whose line holds what it has no place for (a comment after the value, ``export``), by cause."""
    from sealfile.stores import get_store
    from sealfile.stores.dotenv_lines import where

    out, lost = Branch(), dict[str, list[str]]()
    for entry in get_store("dotenv").load_editable(plaintext).entries:
        if entry.key is None:
            out.extend(Item(Comment(line.strip()[1:])) for line in entry.raw.splitlines() if line.strip()[:1] == "#")
            continue
        out.append(Item(entry.key))
        key_end, _, end = where(entry.raw)
        after = entry.raw[key_end if end is None else end:].lstrip(" \t=")
        if after.startswith("#"):
            lost.setdefault(DOTENV_TRAILING, []).append(entry.key)
        if _EXPORT.match(entry.raw):
            lost.setdefault(DOTENV_EXPORT, []).append(entry.key)
    return out, lost


def has_comment(node: Any) -> bool:
    """Whether SOPS's tree holds a comment: a mapping's, or an item of a list."""
    if isinstance(node, Branch):
        return any(isinstance(item.key, Comment) or has_comment(item.value) for item in node)
    if isinstance(node, list):
        return any(isinstance(value, Comment) or has_comment(value) for value in node)
    return False


def repeated_keys(node: Any, where: Path = (), *, ini: bool = False) -> list[Path]:
    """The key paths a SOPS tree repeats (a JSON, dotenv or INI file can; ``sops decrypt`` prints every copy,
    every reader of it keeps the last), in file order, each once; an INI file's repeated section is merged
    (:func:`~sealfile.sops.data.flat_data`), so only a key repeated across its copies is."""
    if ini:
        sections: dict[Any, Branch] = {}
        for key, value in node.entries():
            sections.setdefault(key, Branch()).extend(value if isinstance(value, Branch) else [Item(key, value)])
        node = Branch(Item(key, value) for key, value in sections.items())
    found: list[Path] = []
    if isinstance(node, Branch):
        seen: set[Any] = set()
        for key, value in node.entries():
            if key in seen and (*where, key) not in found:
                found.append((*where, key))
            seen.add(key)
            found += [path for path in repeated_keys(value, (*where, key)) if path not in found]
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += repeated_keys(value, (*where, ListIndex(index)))
    return found

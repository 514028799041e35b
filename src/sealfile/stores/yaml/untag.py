"""``set`` over a node with an application tag: the tag goes with the node it replaces (docs/format.md §1.3).

A local tag (``!secret``, ``!Ref``, ``!include``, ``!vault``) tells the application what to do with its node's
text: look up a secret by that name, read a parameter, include a file. It is not a type of the value, so a
value ``set`` over it (the password itself) kept under it would become the name of something else. A standard
tag (``!!str``, ``!!binary``) is about the value and is written inside its token (it goes as the value does).
"""

from __future__ import annotations

from typing import Any

from sealfile.errors import KeyPathError
from sealfile.model.paths import encode_path, resolve
from sealfile.stores.yaml.basics import Engine
from sealfile.stores.yaml.scan import Scan, scan
from sealfile.stores.yaml.spans import tag_span


def tag_replaced(scanned: Scan, keypath: str) -> str | None:
    """The application tag of the node at ``keypath`` (where it is written, not an alias of it), if any."""
    try:
        return scanned.tagged.get(resolve(scanned.tree, keypath))
    except (KeyPathError, LookupError):
        return None


def set_over(text: str, scanned: Scan, keypath: str, value: Any, engine: Engine) -> str:
    """``text`` with ``value`` set at ``keypath`` by the structural edit, the application tag of the node there
    (and the blanks after it) gone with it (``scanned`` is ``text``'s, by ``engine``)."""
    from sealfile.stores.yaml import edit as yaml_edit  # structural edits only: off the read path

    if tag_replaced(scanned, keypath) is None:
        return yaml_edit.set_value(text, scanned, keypath, value)
    path = resolve(scanned.tree, keypath)
    found = scanned.containers.get(encode_path(path))
    start, end = tag_span(text, found[1] if found is not None else next(
        leaf.node for leaf in scanned.leaves if leaf.path == path))  # a tag is where its node is written
    rest = text[end:].lstrip(" \t")  # the blanks after it too; a line break stays
    if rest[:1] in ("", "\n", "\r"):  # no value after it (``Zones: !GetAZs``): the blanks before it go instead
        start = len(text[:start].rstrip(" \t"))
    bare = text[:start] + rest
    return yaml_edit.set_value(bare, scan(bare, engine=engine), keypath, value)

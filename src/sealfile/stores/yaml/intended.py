"""A structural edit checked against what it means to do: the text an edit gives must read as the
data before it with that one change made. A block entry written where the text means otherwise
(a dash left out, an item's indentation read as a plain scalar's continuation line) would be a
valid file holding other data, which no later read-back can tell from the intended one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sealfile.errors import FormatError, KeyPathError
from sealfile.model.differences import described_difference
from sealfile.model.paths import Path
from sealfile.model.scalars import same_data
from sealfile.stores.base import line_break
from sealfile.stores.yaml.scan import Scan, scan
from sealfile.stores.yaml.splice import Edit, apply_edits


def changed_tree(tree: Any, path: Path, change: Callable[[Any], None],
                 also: Sequence[tuple[Path, Callable[[Any], None]]] = ()) -> Any:
    """``tree`` with ``change`` made to the container at ``path`` (and each change of ``also`` at its
    path: the places aliases hold it again); only the containers along the paths are copied, so
    ``tree`` itself stays as it was."""
    root = _copy(tree)
    for where, how in ((path, change), *also):
        node = root
        for segment in where:
            node[segment] = _copy(node[segment])
            node = node[segment]
        how(node)
    return root


def _copy(node: Any) -> Any:
    return dict(node) if isinstance(node, dict) else list(node)


def checked(changed: str, intended: Any, keypath: str) -> str:
    """``changed``, refused unless it reads as ``intended``: naming the key path where it would not and how
    (or ``keypath``, the edit's, when the edited text does not read at all)."""
    try:
        read = scan(changed).tree
    except FormatError as err:
        raise KeyPathError(f"this change cannot be written in place here ({err.message}); please report it",
                           keypath=err.keypath or keypath) from None
    if not same_data(read, intended):
        where, cause = described_difference(read, intended)
        raise KeyPathError(f"this change cannot be written in place here: in the edited text {cause}; please "
                           "report it", keypath=where)
    return changed


def checked_edit(text: str, edit: Edit, intended: Any, keypath: str) -> str:
    """``text`` edited (in its own line breaks) and checked; a text without a final line break keeps
    having none, unless it would then end in a block scalar (``|``, ``>``, any chomping): the break after
    its last line is how the block is written (for ``|`` and ``|+`` its value too), which its token records,
    so the text gains a final line break (the last entry removed after a ``|-`` block)."""
    newline = line_break(text)
    start, end, new = in_line_breaks_of(text, edit, newline)
    unbroken = None
    if end == len(text) and text and not text.endswith(("\n", "\r")):
        if new.endswith(newline):
            unbroken = start, end, new[:-len(newline)]
        elif not new and start > 0 and text[start - 1] in "\r\n":
            unbroken = start - (2 if text[start - 2:start] == "\r\n" else 1), end, new
    if unbroken is not None:
        changed = apply_edits(text, [unbroken])
        try:
            scanned = scan(changed)
        except FormatError:
            scanned = None
        if scanned is not None and not _ends_in_block(scanned) and same_data(scanned.tree, intended):
            return changed
    return checked(apply_edits(text, [(start, end, new)]), intended, keypath)


def _ends_in_block(scanned: Scan) -> bool:
    """Whether the text ends in a block scalar: nothing but blanks and line breaks after one."""
    text = scanned.text
    return any(leaf.style in ("|", ">") and not text[leaf.end:].strip(" \t\r\n") for leaf in scanned.leaves)


def in_line_breaks_of(text: str, edit: Edit, newline: str | None = None) -> Edit:
    """``edit`` in the line breaks of ``text`` (:func:`~sealfile.stores.base.line_break`: the emitter
    writes LF)."""
    start, end, new = edit
    newline = newline or line_break(text)
    return edit if newline == "\n" else (start, end, new.replace("\r\n", "\n").replace("\n", newline))

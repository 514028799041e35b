"""The edits the merge properties' models share (YAML in :mod:`.merge_scripts`, JSON and dotenv in
:mod:`.merge_scripts_flat`) on a list of keyed items: one implementation, so the three edit scripts cannot drift.

Each draws exactly as the copies it replaces did, in the same order, so the replayed examples are unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st


def shared_edit(draw: st.DrawFn, items: list[Any], edit: str, at: int, side: str, word: str, *, keys: list[str],
                new: Callable[[str, str], Any]) -> int | None:
    """Apply ``edit`` to ``items`` at ``at`` if it is one of the shared ones: ``unset``; ``add`` (an unused key
    of ``keys``, as ``new(key, word)``, at a drawn place; nothing if none is free); ``reorder`` (with the next item,
    when there are two); ``comment`` (drawn anew). The place edited, or ``None`` if ``edit`` is none of them
    (a reorder of a single item is not)."""
    if edit == "unset":
        del items[at]
    elif edit == "add":
        free = [k for k in keys if k not in {item.key for item in items}]
        if free:
            items.insert(draw(st.integers(0, len(items))), new(draw(st.sampled_from(free)), word))
    elif edit == "reorder" and len(items) > 1:
        at = min(at, len(items) - 2)
        items[at], items[at + 1] = items[at + 1], items[at]
    elif edit == "comment":
        items[at].comment = draw(st.sampled_from([None, f"{side} note", "same note"]))
    else:
        return None
    return at


def move(draw: st.DrawFn, items: list[Any], at: int, containers: list[list[Any]],
         inside: Callable[[Any, list[Any]], bool]) -> None:
    """Move the item at ``at`` into a drawn container (at a drawn place), unless that is its own list, holds its key
    already, or is inside the item (``inside``)."""
    into = draw(st.sampled_from(containers))
    item = items[at]
    if into is not items and item.key not in {other.key for other in into} and not inside(item, into):
        del items[at]
        into.insert(draw(st.integers(0, len(into))), item)

"""Whether the spellings put back by opening a sealed text read, where they now stand, as their values: the
check :func:`.restore.ensure_same` makes without reading the whole opened text again, when it can.

The spellings are the ones recorded in tokens (attacker-chosen bytes, :func:`.restore.plaintext`); every other
value was written afresh, as when no spelling is recorded and nothing is checked. When the sealed text was
read by the line scan (:mod:`.fastscan`), each of its lines was read by itself: its indentation, dash and key,
then its value, a block scalar's lines skipped. Opening changes only the token spans (and cuts the metadata
block). So if the opened text holds only the characters the scan reads, and each spelling's line still
starts as it did, starts its value where the token started, and the line scan's own reader
(:func:`.fastscan.rest_value`) reads that value to the spelling's end (a one-line spelling, or a literal
block scalar ending where the spelling ends) as the sealed value, then the line scan reads the whole
opened text as the sealed data, every line the same but these values: what reading it again would find.
A literal block after a list item's dash (the scan reads one only after a key: a value ``set`` wrote where a
block was) is read by the same rule, its lines deeper than the dash as a key's are deeper than the key: the
block collection's indentation in YAML 1.2 and in libyaml's scanner either way.
Anything else (a spelling with a line break outside a block scalar, one that moved its start, a node
count past the limit) gives ``False``, and the caller reads the whole text again.
"""

from __future__ import annotations

from itertools import accumulate
from operator import le, sub
from typing import Any

from sealfile.model.scalars import same_data
from sealfile.stores.node_limit import max_nodes
from sealfile.stores.yaml.fastscan import LINE, FastScan, plain_characters, rest_value
from sealfile.stores.yaml.scan import LINE_SCAN_NODES, Leaf, Scan

Spelled = tuple[Leaf, str, int, str, Any]
"""A leaf whose recorded spelling was put back: the start of its line in the sealed text up to its token,
where the spelling starts in the opened text, the spelling, and the value its token holds."""


def checkable(scanned: Scan) -> bool:
    """Whether spellings put back in ``scanned``'s text can be checked where they stand (it was line-scanned)."""
    return isinstance(scanned, FastScan)


def placed(spellings: list[tuple[Leaf, int, Any]], edits: list[tuple[int, int, str]],
           text: str) -> list[Spelled] | None:
    """Where each recorded spelling (its leaf, the index of its edit among ``edits`` of ``text``, its value) starts
    once ``edits`` are made; ``None`` if the edits are out of document order or one moved its token's start."""
    starts, ends, written = zip(*edits, strict=True)  # in C: no Python loop over every edit
    if not all(map(le, ends[:-1], starts[1:])):
        return None
    shifts = [0, *accumulate(map(sub, map(len, written), map(sub, ends, starts)))]
    found: list[Spelled] = []
    for leaf, index, value in spellings:
        start = starts[index]
        if start != leaf.start:
            return None
        found.append((leaf, text[text.rfind("\n", 0, start) + 1:start], start + shifts[index], written[index], value))
    return found


def spellings_read(opened: str, spelled: list[Spelled]) -> bool:
    """Whether the line scan reads each spelling in ``opened`` as its leaf's value, every line as in the sealed
    text (see the module); ``False`` when it cannot tell."""
    if not plain_characters(opened) or LINE_SCAN_NODES * (opened.count("\n") + 1) > max_nodes():
        return False
    return all(_reads_as(opened, *one) for one in spelled)


def _reads_as(opened: str, leaf: Leaf, before: str, at: int, written: str, expected: Any) -> bool:
    line_start = opened.rfind("\n", 0, at) + 1
    if opened[line_start:at] != before:
        return False
    match = LINE.match(opened, line_start)
    if match is None or match.start(5) != at:
        return False
    key, rest = match.group(4, 5)
    slot = leaf.slot
    if key != (slot if type(slot) is str else None) or not rest or rest[0] == "#":
        return False
    # a list item's value read as a key's, the dash's column for the key's: a literal block's lines must be deeper
    found = rest_value(opened, match.end(), rest, leaf.indent, at)
    if found is None:
        return False
    if found[1] == "|":
        if found[2] != at + len(written):
            return False
    elif "\n" in written:
        return False
    return same_data(found[0], expected)

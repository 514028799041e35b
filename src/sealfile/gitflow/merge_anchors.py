"""Theirs' anchors in the three-way merge (:mod:`.merge`): an anchor theirs renamed, put on a value or took off it,
where ours left the value's anchor as the base had it, is written into the merge as theirs has it.

The plan merges data, and an anchor is not data (an alias is an item by the path it names, not by the name): a
change of theirs that only renamed an anchor, or gave a value one, was a change of nothing, and the merge kept ours'
spelling where git's text merge takes theirs' line. Worse, theirs' new alias of an anchor it had just added (``a: &x
1`` then ``b: *x``) named nothing in ours' text, and the merge was refused. Each anchor is changed on its own, and
kept only where the text then reads as it did, every item the same (:func:`.merge_written.written_items`): an anchor
that would clash with another of its document, or whose old name a merge key of ours still names, stays as ours has it.
"""

from __future__ import annotations

import re

from sealfile.errors import KeyPathError, SealfileError
from sealfile.gitflow.merge_plan import Items
from sealfile.gitflow.merge_written import written_items
from sealfile.model.lines import line_start
from sealfile.model.paths import Path, encode_path
from sealfile.stores.yaml.alias_paths import alias_at
from sealfile.stores.yaml.basics import split_bom
from sealfile.stores.yaml.scan import Scan, scan

_ANCHOR = re.compile(r"(?:![^ \t\r\n]*[ \t]+)?&([A-Za-z0-9_-]+)")
"""A node's anchor property, after its tag if it has one (``!!str &a``): its name as libyaml reads it."""

Anchor = tuple[str, int, int]
"""An anchor's name and where its ``&name`` is written."""


def anchors(scanned: Scan) -> dict[bytes, Anchor]:
    """The anchor of each node written with one, by its encoded path."""
    starts = {encoded: node.start_mark.index for encoded, (_key, node) in scanned.containers.items()}
    starts.update((leaf.encoded_path, leaf.node_start()) for leaf in scanned.leaves)
    found = {}
    for encoded, start in starts.items():
        match = _ANCHOR.match(scanned.text, start)
        if match is not None:
            found[encoded] = (match.group(1), match.start(1) - 1, match.end())
    return found


def carry_anchors(text: str, base: Scan, theirs: Scan, paths: Items) -> str:
    """``text`` (ours, or the merge written so far) with theirs' anchor at each of ``paths`` (items the base holds)
    where theirs changed it and ``text`` still has the base's. Read again only after a change: a file with anchors
    may hold thousands of items."""
    if "&" not in base.text and "&" not in theirs.text:
        return text
    was, now = anchors(base), anchors(theirs)
    changed = [p for p in sorted(paths, key=lambda p: (len(p), repr(p)))
               if _name(was.get(encode_path(p))) != _name(now.get(encode_path(p)))]
    bom, body = split_bom(text)
    for path in changed:
        try:
            current = scan(body)
        except SealfileError:
            break  # not read again: nothing more is changed
        encoded = encode_path(path)
        ours = anchors(current).get(encoded)
        if _name(ours) == _name(was.get(encoded)) and path in written_items(current):
            body = _changed(body, current, path, ours, now.get(encoded))
    return bom + body


def _name(anchor: Anchor | None) -> str | None:
    return None if anchor is None else anchor[0]


def _changed(body: str, current: Scan, path: Path, ours: Anchor | None, theirs: Anchor | None) -> str:
    """``body`` with the anchor at ``path`` made theirs, where it then reads the same, else ``body``."""
    try:
        if ours is None:
            assert theirs is not None
            changed = _added(body, current, path, theirs[0])
        elif theirs is None:
            changed = _removed(body, ours)
        else:
            changed = _renamed(body, current, path, ours, theirs[0])
        if changed is not None and written_items(scan(changed)) == written_items(current):
            return changed
    except (SealfileError, KeyPathError):
        pass
    return body


def _renamed(body: str, current: Scan, path: Path, ours: Anchor, name: str) -> str:
    """The anchor and every alias of it renamed (from the end, so earlier places stay where they are)."""
    places = [(ours[1], ours[2], "&" + name)]
    for copy in current.copies:
        if copy.source == path and not copy.merged:
            _node, _key, (start, end) = alias_at(current, copy.place)
            places.append((start, end, "*" + name))
    for start, end, written in sorted(places, reverse=True):
        body = body[:start] + written + body[end:]
    return body


def _removed(body: str, ours: Anchor) -> str:
    """The anchor taken off its node, with the blanks that set it apart; its line too where it stood alone."""
    start, end = ours[1:]
    own, brk = line_start(body, start), body.find("\n", end)
    brk = len(body) if brk < 0 else brk
    rest = body[end:brk]
    after = len(rest) - len(rest.lstrip(" \t"))
    if not body[own:start].strip() and not rest.strip():  # on a line of its own ('db:\n  &a4\n  x: 1')
        return body[:own] + body[brk + 1:]
    if not rest.strip() or rest[after:].startswith("#"):  # last on its line: the blanks before it go, a comment's stay
        before = len(body[:start]) - len(body[:start].rstrip(" \t"))
        return body[:start - before] + body[end if rest.strip() else end + after:]
    return body[:start] + body[end + after:]


def _added(body: str, current: Scan, path: Path, name: str) -> str | None:
    """The anchor put on the node: before a scalar (or a flow collection), on the key's line of a block collection
    (``key: &a``), as theirs' text writes them; ``None`` where there is no such line (an item of a list)."""
    found = current.containers.get(encode_path(path))
    if found is None or found[1].flow_style:
        anchor = next(leaf.node_start() for leaf in current.leaves
                      if leaf.encoded_path == encode_path(path)) if found is None else found[1].start_mark.index
        if body[anchor - 1:anchor] == ":":  # a null written as nothing after its colon
            return body[:anchor] + " &" + name + body[anchor:]
        return body[:anchor] + "&" + name + " " + body[anchor:]
    key_node = found[0]
    if key_node is None:
        return None
    colon = body.index(":", key_node.end_mark.index)
    return body[:colon + 1] + " &" + name + body[colon + 1:]


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
Edit = tuple[int, int, str]
"""Text from ``start`` to ``end`` replaced."""


def _starts(scanned: Scan) -> dict[bytes, int]:
    """Where each node is written, with its properties, by its encoded path."""
    starts = {encoded: node.start_mark.index for encoded, (_key, node) in scanned.containers.items()}
    starts.update((leaf.encoded_path, leaf.node_start()) for leaf in scanned.leaves)
    return starts


def anchors(scanned: Scan) -> dict[bytes, Anchor]:
    """The anchor of each node written with one, by its encoded path."""
    found = {}
    for encoded, start in _starts(scanned).items():
        match = _ANCHOR.match(scanned.text, start)
        if match is not None:
            found[encoded] = (match.group(1), match.start(1) - 1, match.end())
    return found


def carry_anchors(text: str, base: Scan, theirs: Scan, paths: Items) -> str:
    """``text`` (ours, or the merge written so far) with theirs' anchor at each of ``paths`` (items the base holds)
    where theirs changed it and ``text`` still has the base's."""
    if "&" not in base.text and "&" not in theirs.text:
        return text
    was, now = anchors(base), anchors(theirs)
    changed = [(p, was.get(encode_path(p)), now.get(encode_path(p))) for p in sorted(paths, key=len)
               if _name(was.get(encode_path(p))) != _name(now.get(encode_path(p)))]
    bom, body = split_bom(text)
    return bom + _carried(body, changed)


def _carried(body: str, changed: list[tuple[Path, Anchor | None, Anchor | None]]) -> str:
    """``body`` with the anchors ``changed`` (path, the base's, theirs') made theirs: all at once where the text then
    reads as it did, else each half on its own (an anchor that would clash stays ours', the others are carried, and a
    file whose every anchor theirs renamed is read twice, not once an anchor)."""
    if not changed:
        return body
    try:
        current = scan(body)
        ours, starts, items = anchors(current), _starts(current), written_items(current)
        edits = [edit for path, was, now in changed
                 if path in items and _name(ours.get(encode_path(path))) == _name(was)  # ours left it as it was
                 for edit in _edits(body, current, starts, path, ours.get(encode_path(path)), now)]
        edited = _applied(body, edits)
        if edited is not None and written_items(scan(edited)) == items:
            return edited
    except (SealfileError, KeyPathError):
        pass
    if len(changed) == 1:
        return body
    return _carried(_carried(body, changed[:len(changed) // 2]), changed[len(changed) // 2:])


def _applied(body: str, edits: list[Edit]) -> str | None:
    """``body`` with ``edits`` (from the end, so earlier places stay where they are); ``None`` where two overlap."""
    after = len(body) + 1
    for start, end, written in sorted(edits, reverse=True):
        if end > after:
            return None
        body, after = body[:start] + written + body[end:], start
    return body


def _name(anchor: Anchor | None) -> str | None:
    return None if anchor is None else anchor[0]


def _edits(body: str, current: Scan, starts: dict[bytes, int], path: Path, ours: Anchor | None,
           theirs: Anchor | None) -> list[Edit]:
    """What makes the anchor at ``path`` theirs."""
    if ours is None:
        assert theirs is not None
        return _added(body, current, starts, path, theirs[0])
    if theirs is None:
        return [_removed(body, ours)]
    return _renamed(current, path, ours, theirs[0])


def _renamed(current: Scan, path: Path, ours: Anchor, name: str) -> list[Edit]:
    """The anchor and every alias of it renamed: an alias in a merge key (``<<: *a``) found by its name, up to the
    document's end or the anchor's next definition (what that finds amiss, the read-back refuses)."""
    edits = [(ours[1], ours[2], "&" + name)]
    for copy in current.copies:
        if copy.source == path and not copy.merged:
            _node, _key, (start, end) = alias_at(current, copy.place)
            edits.append((start, end, "*" + name))
    if any(path in sources for _place, sources, _own in current.merges):
        text, old = current.text, re.escape(ours[0])
        stop = re.compile(rf"^---(?=[ \t\r\n]|$)|&{old}(?![A-Za-z0-9_-])", re.MULTILINE).search(text, ours[2])
        merged = re.compile(rf"<<[ \t]*:[ \t]*(?:\[[^]]*)?\*{old}(?![A-Za-z0-9_-])")
        for found in merged.finditer(text, ours[2], len(text) if stop is None else stop.start()):
            at = found.end() - len(ours[0]) - 1
            edits.append((at, found.end(), "*" + name))
    return edits


def _removed(body: str, ours: Anchor) -> Edit:
    """The anchor taken off its node, with the blanks that set it apart; its line too where it stood alone."""
    start, end = ours[1:]
    own, brk = line_start(body, start), body.find("\n", end)
    brk = len(body) if brk < 0 else brk
    rest = body[end:brk]
    after = len(rest) - len(rest.lstrip(" \t"))
    if not body[own:start].strip() and not rest.strip():  # on a line of its own ('db:\n  &a4\n  x: 1')
        return own, brk + 1, ""
    if not rest.strip() or rest[after:].startswith("#"):  # last on its line: the blanks before it go, a comment's stay
        before = len(body[:start]) - len(body[:start].rstrip(" \t"))
        return start - before, end if rest.strip() else end + after, ""
    return start, end + after, ""


def _added(body: str, current: Scan, starts: dict[bytes, int], path: Path, name: str) -> list[Edit]:
    """The anchor put on the node: before a scalar (or a flow collection), on the key's line of a block collection
    (``key: &a``), as theirs' text writes them; nothing where there is no such line (an item of a list)."""
    found = current.containers.get(encode_path(path))
    if found is None or found[1].flow_style:
        at = starts[encode_path(path)]
        return [(at, at, " &" + name if body[at - 1:at] == ":" else "&" + name + " ")]  # a null: after its colon
    key_node = found[0]
    if key_node is None:
        return []
    colon = body.index(":", key_node.end_mark.index)
    return [(colon + 1, colon + 1, " &" + name)]

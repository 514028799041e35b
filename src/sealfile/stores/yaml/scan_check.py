"""The check the test suite runs on every text the line scan (:mod:`.fastscan`) reads: ruamel's
parser must read the same data, leaves, spans and metadata from it."""

from __future__ import annotations

from sealfile.model.paths import Path
from sealfile.stores.yaml.scanned import STYLE_OF_NODE, Scan
from sealfile.stores.yaml.spans import line_after

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

CHECK_VARIABLE = "SEALFILE_CHECK_FAST_SCAN"
"""Set (by the test suite) to read every text in the line scan's subset both ways and fail on any difference."""

_MARKS = ("index", "line", "column")


def same_scan(fast: Scan, full: Scan) -> None:
    """Fail, naming the first difference (never a value), unless the line scan read the text as ruamel did."""
    def differ(what: str) -> None:
        raise AssertionError(f"the line scan and ruamel's parser differ in {what}")

    if fast.tree != full.tree or fast.multi != full.multi or fast.metadata != full.metadata:
        differ("the data")
    if full.copies or full.echoes or full.refs or full.merges:
        differ("aliases")
    if fast.block_at is not None and (fast.block_at != full.metadata_key_node.start_mark.index
                                      or fast.block_end != line_after(full.text, full.metadata_node)):
        differ("where the metadata is")
    if fast.after_data is not None and (full.multi or fast.after_data != line_after(full.text, full.roots[0])):
        differ("where the data ends")
    if fast.metadata_own_document != full.metadata_own_document:
        differ("where the metadata is")
    if fast.has_metadata != full.has_metadata:
        differ("whether there is metadata")
    for name in ("metadata_key_node", "metadata_node") if full.has_metadata else ():
        for mark in ("start_mark", "end_mark"):
            if [getattr(getattr(getattr(scanned, name), mark), part) for scanned in (fast, full)
                    for part in _MARKS] != [getattr(getattr(getattr(full, name), mark), part) for part in _MARKS] * 2:
                differ(f"the {name}'s {mark}")
    if not _same_containers(fast, full):
        differ("where a mapping or list is")
    if len(fast.leaves) != len(full.leaves):
        differ("the number of leaves")
    for mine, theirs in zip(fast.leaves, full.leaves, strict=True):
        for part in ("path", "encoded_path", "value", "slot", "flow", "indent", "start", "end"):
            if getattr(mine, part) != getattr(theirs, part) or type(getattr(mine, part)) is not type(
                    getattr(theirs, part)):
                differ(f"a leaf's {part}")
        if STYLE_OF_NODE.get(mine.style) != STYLE_OF_NODE.get(theirs.style):
            differ("a leaf's style")
        if mine.column() != theirs.column() or mine.key_column() != theirs.key_column():  # read without nodes
            differ("a leaf's column")
        if _at(fast.tree, mine.path[:-1]) is not mine.parent:
            differ("a leaf's parent")


def _same_containers(fast: Scan, full: Scan) -> bool:
    """Each mapping and list where ruamel has it (what extracting a subtree reads, without ruamel)."""
    starts = getattr(fast, "container_starts", None)
    if starts is None:  # ruamel's own scan: its nodes are the containers
        return True
    paths = {leaf.path[:depth] for leaf in full.leaves for depth in range(1, len(leaf.path))}
    return set(starts) == set(full.containers) - {b""} and all(fast.container_span(path) == full.container_span(path)
                                                       for path in paths)


def _at(tree: Any, path: Path) -> Any:
    for segment in path:
        tree = tree[segment]
    return tree

"""The line scan's leaves (:mod:`.fastscan`): their parser nodes made by ruamel, for the whole text, only when
something asks for them (a structural edit does; reading, sealing, rotating and setting a value do not)."""

from __future__ import annotations

from collections.abc import Callable

from sealfile.model.paths import Path
from sealfile.stores.yaml.scanned import Leaf, Scan

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

_node_slot: Any = Leaf.__dict__["node"]
_key_node_slot: Any = Leaf.__dict__["key_node"]
get_node: Callable[[Leaf, type], Any] = _node_slot.__get__
get_key_node: Callable[[Leaf, type], Any] = _key_node_slot.__get__
set_node: Callable[[Leaf, Any], None] = _node_slot.__set__
set_key_node: Callable[[Leaf, Any], None] = _key_node_slot.__set__


class LazyNodes:
    """ruamel's scan of a text, made once when a line scan's nodes are first asked for. Leaves and their scan
    refer to it, it to none of them: dropping a scan frees it without the cycle collector."""

    def __init__(self, text: str, full_scan: Callable[[str], Scan]) -> None:
        self.text, self.full_scan = text, full_scan
        self._full: Scan | None = None
        self._places: dict[tuple[int, bytes], Leaf] = {}

    def full(self) -> Scan:
        if self._full is None:
            self._full = self.full_scan(self.text)
            self._places = {(leaf.start, leaf.encoded_path): leaf for leaf in self._full.leaves}
        return self._full

    def give(self, leaf: Leaf) -> None:
        """Give ``leaf`` the nodes of ruamel's leaf at the same place."""
        self.full()
        theirs = self._places.get((leaf.start, leaf.encoded_path))
        if theirs is None:
            raise AssertionError("the line scan and ruamel's parser read a text differently")
        set_node(leaf, theirs.node)
        set_key_node(leaf, theirs.key_node)


class FastLeaf(Leaf):
    """A leaf whose parser nodes are made (by ruamel, for the whole text) only when asked for. The line scan
    stores what ``__init__`` does itself (:mod:`.fastscan`): the call cost ~1.8 k instructions a value."""

    __slots__ = ("_nodes",)

    def __init__(self, nodes: LazyNodes, path: Path, encoded_path: bytes, value: Any, parent: Any, slot: Any,
                 indent: int, start: int, end: int, style: str | None) -> None:
        self._nodes = nodes
        self.path, self.encoded_path, self.value, self.parent, self.slot = path, encoded_path, value, parent, slot
        self.flow, self.indent, self.start, self.end, self.style = False, indent, start, end, style

    def null_spelling(self) -> str | None:
        return self._nodes.text[self.start:self.end] or None

    def node_start(self) -> int:
        return self.start  # the line scan reads no properties, and a block scalar's header only after its key

    def column(self) -> int:  # a block scalar's column (written afresh) without ruamel's nodes: a value's start
        return self.start - self._nodes.text.rfind("\n", 0, self.start) - 1

    def key_column(self) -> int | None:  # the line scan reads a mapping value only on its key's line, at ``indent``
        return self.indent if type(self.slot) is str else None

    @property
    def node(self) -> Any:
        try:
            return get_node(self, FastLeaf)
        except AttributeError:  # not made yet
            self._nodes.give(self)
            return get_node(self, FastLeaf)

    @node.setter
    def node(self, value: Any) -> None:
        set_node(self, value)

    @property
    def key_node(self) -> Any:
        try:
            return get_key_node(self, FastLeaf)
        except AttributeError:  # not made yet
            self._nodes.give(self)
            return get_key_node(self, FastLeaf)

    @key_node.setter
    def key_node(self, value: Any) -> None:
        set_key_node(self, value)

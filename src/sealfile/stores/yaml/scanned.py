"""What reading a YAML file gives (:mod:`sealfile.stores.yaml.scan`): its value tree, and every leaf
with its path, its node and its span in the text."""

from __future__ import annotations

from sealfile.model.paths import ListIndex, Path, Segment, encode_path, format_keypath
from sealfile.model.scalars import Styled
from sealfile.stores.yaml.spans import line_after

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

STYLE_OF_NODE: dict[str | None, str | None] = {None: None, "": None, '"': '"', "'": "'", "|": "|", ">": ">"}
"""A scalar node's style as a :class:`~sealfile.model.scalars.Styled` string style (``None`` is plain)."""


class Leaf:
    """One scalar (or empty container) of the value tree, where it is and how to replace it; a
    place in one text, so two leaves are equal only when they are the same object."""

    __slots__ = ("encoded_path", "end", "flow", "indent", "key_node", "node", "parent", "path", "slot", "start",
                 "style", "value")
    path: Path
    encoded_path: bytes
    value: Any
    node: Any
    """The value's node (``start_mark``/``end_mark`` give its span, ``style`` its quoting)."""
    key_node: Any
    """The mapping key's node for a mapping value, ``None`` for a list item."""
    parent: Any
    """The dict or list holding the value, so it can be replaced in place."""
    slot: Any
    """The key or index of the value in ``parent``."""
    flow: bool
    """Inside a flow collection (``{...}`` / ``[...]``), where ``,[]{}`` are indicators."""
    indent: int
    """The indentation of the block collection holding it (the key's or the dash's column)."""
    start: int
    end: int
    """The value's span in the text; for an empty value (a bare ``key:``), the empty span right after
    its ``:`` or ``-`` (the engines put empty nodes in different places)."""
    style: str | None
    """The node's style: ``None`` or ``""`` plain, else ``'``, ``"``, ``|`` or ``>``."""

    def __init__(self, path: Path, encoded_path: bytes, value: Any, node: Any, key_node: Any, parent: Any, slot: Any,
                 flow: bool, indent: int, start: int, end: int) -> None:
        self.path, self.encoded_path, self.value, self.node, self.key_node = path, encoded_path, value, node, key_node
        self.parent, self.slot, self.flow, self.indent, self.start, self.end = parent, slot, flow, indent, start, end
        self.style = getattr(node, "style", None)  # a collection has none

    def null_spelling(self) -> str | None:
        """How a null value is spelled (``~``, ``null``...; ``None`` for an empty value)."""
        return self.node.value or None

    def node_start(self) -> int:
        """Where the value's node starts: its properties or a block scalar's header, below the span's
        start when written on the line after its key."""
        return int(self.node.start_mark.index)

    def column(self) -> int:
        """The column its node starts at."""
        return int(self.node.start_mark.column)

    def key_column(self) -> int | None:
        """Its mapping key's column when the key is on the value's own line; ``None`` for a list item, ``-1`` for a
        key on a line before the value's."""
        key = self.key_node
        if key is None:
            return None
        return int(key.start_mark.column) if key.start_mark.line == self.node.start_mark.line else -1

    def __repr__(self) -> str:  # never the value: it may be a decrypted secret
        return f"<Leaf {format_keypath(self.path)!r} at {self.start}:{self.end}>"


class Segments:
    """Canonical encodings of path segments, computed once per distinct key or index."""

    def __init__(self) -> None:
        self._keys: dict[Any, bytes] = {}
        self._indexes: list[bytes] = []

    def key(self, key: Segment) -> bytes:
        found = self._keys.get((type(key), key))
        if found is None:
            found = self._keys[(type(key), key)] = encode_path((key,))
        return found

    def index(self, index: int) -> bytes:
        while len(self._indexes) <= index:
            self._indexes.append(encode_path((ListIndex(len(self._indexes)),)))
        return self._indexes[index]


class Scan:
    text: str
    tree: Any
    """The value tree without the metadata: a mapping, or for a stream of several documents a list of them."""
    multi: bool
    """Several documents: the first path segment of every leaf is the document's index."""
    roots: list[Any]
    """The root node of each data document."""
    metadata: Any
    """The constructed ``sealfile:`` value (``None`` if there is none)."""
    metadata_key_node: Any
    metadata_node: Any
    metadata_own_document: bool
    """The block is a document of its own after the data's (not a key of the data's mapping)."""
    block_at: int | None = None
    """Where the ``sealfile:`` block starts when the line scan read it."""
    block_end: int | None = None
    """Where the block the line scan read ends: the text's end, or the first of the blank and comment lines after it."""
    after_data: int | None = None
    """Where the line scan found the data of a plaintext to end: the start of the line after its last value
    (where :func:`~.metablock.add_edit` puts the metadata block)."""
    leaves: list[Leaf]
    containers: dict[bytes, tuple[Any, Any]]
    """encoded path -> ``(key node or None, node)`` of every mapping and sequence (a document's root too)."""
    echoes: list[Any]
    """Each place a leaf's value is held again through an alias or merge (:class:`.aliases.Echo`)."""
    copies: list[Any]
    """Each alias or merged key: what is written where, held again where (:class:`.aliases.Copy`)."""
    merges: list[tuple[Any, list[Any], list[Any]]]
    """Each mapping with a merge key: its path, the written paths it merges, its own keys as written."""
    refs: list[tuple[int, bytes, bytes]]
    """The seal entries of aliases, merges and tags (:data:`~sealfile.stores.yaml.aliases.Ref`), in document order."""
    tagged: dict[Path, str]
    """The path of each node written with an application tag (:mod:`.custom_tags`) -> the tag, as its seal entry
    holds it."""

    def __init__(self, text: str, tree: Any, multi: bool, roots: list[Any], *, leaves: list[Leaf],
                 containers: dict[bytes, tuple[Any, Any]]) -> None:
        self.text, self.tree, self.multi, self.roots = text, tree, multi, roots
        self.metadata = self.metadata_key_node = self.metadata_node = None
        self.metadata_own_document = False
        self.leaves, self.containers = leaves, containers
        self.echoes, self.copies, self.refs, self.merges, self.tagged = [], [], [], [], {}

    @property
    def has_metadata(self) -> bool:
        """A ``sealfile:`` block was found (a sealed file)."""
        return self.metadata_node is not None

    def container_span(self, path: Path) -> tuple[int, int, int | None]:
        """Where the mapping or list at ``path`` is written: its start, the start of the line after its deepest last
        value, and the column of its entries; for one in flow style, its own end and ``None``."""
        node = self.containers[encode_path(path)][1]
        if node.flow_style:
            return node.start_mark.index, node.end_mark.index, None
        return node.start_mark.index, line_after(self.text, node), node.start_mark.column

    def tagged_places(self) -> list[Path]:
        """Every path of the value tree holding a tagged node: where it is written, and each place an alias or
        merge holds it (or a node around it) again."""
        held = [copy.place + path[len(copy.source):] for copy in self.copies for path in self.tagged
                if path[:len(copy.source)] == copy.source]
        # a tagged mapping an alias merges gives its keys, not its tag: the merge key stands for it (as one
        # written in the merge key is at the merging mapping's path and '<<')
        merged = [(*place, "<<") for place, sources, _ in self.merges
                  if any(type(source) is tuple and source in self.tagged for source in sources)]
        return [*self.tagged, *held, *merged]

    def release(self) -> None:
        """Drop the parser's nodes and the leaves, keeping the text and the value tree: a writer that
        has made its new text reads it back while this scan's parse would otherwise still be alive
        (twice the memory at the peak). The scan cannot be edited or restored afterwards."""
        for leaf in self.leaves:
            leaf.node = leaf.key_node = leaf.parent = None
        self.leaves, self.echoes, self.copies = [], [], []
        self.roots, self.containers = [], {}
        self.metadata_key_node = self.metadata_node = None

    def __repr__(self) -> str:
        return f"<Scan of {len(self.leaves)} leaves>"


def styled(leaf: Leaf) -> Styled:
    """A scalar leaf as a neutral value: a string with its quoting or block style, a null with its spelling."""
    return Styled(leaf.value, style_of(leaf))


def style_of(leaf: Leaf) -> str | None:
    """The style :func:`styled` gives a scalar leaf (for a writer that needs it, not a :class:`Styled`, per value)."""
    if type(leaf.value) is str:
        return STYLE_OF_NODE.get(leaf.style)
    return leaf.null_spelling() if leaf.value is None else None

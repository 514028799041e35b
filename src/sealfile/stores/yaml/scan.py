"""A sealed file read once into its value tree, its leaves and where each leaf sits in the text.

Why: ``load_secrets``, ``verify``, ``decrypt`` and a one-value ``set`` need the same things: the
plain value tree (as :func:`sealfile.stores.yaml.load_fast` builds it), every leaf in document
order with its canonical path encoding (for the MAC and the tokens), and, for the writers, the
exact text span of each scalar so that one value can be replaced without re-emitting the file.

The meaning is the one YAML meaning of this project, YAML 1.2 as ruamel reads it: nodes come
from ruamel's C parser with its own resolver, and every scalar that is not a plain string is
built by ruamel's own safe constructor. The walk only re-does what ``construct_document`` does
for the shapes a secrets file has (string-keyed block or flow mappings and sequences); for
anything else (merge keys, tags on containers, duplicate keys, aliases of containers, key types
the format refuses) :func:`scan` returns ``None`` and the caller uses the general path, which
gives the proper error or result. ``tests/stores/test_yaml_nodes.py`` proves the trees equal.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from sealfile.model.metadata import METADATA_KEY
from sealfile.model.paths import ListIndex, Path, Segment, encode_path

STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
MERGE_TAG = "tag:yaml.org,2002:merge"
STYLE_OF_NODE: dict[str | None, str | None] = {None: None, "": None, '"': '"', "'": "'", "|": "|", ">": ">"}
"""A scalar node's style as a :class:`~sealfile.model.scalars.Styled` string style (``None`` is plain)."""


class OnceVersionResolver(VersionedResolver):
    """ruamel's resolver looks the YAML version up again for every scalar (two property calls
    that cost more than the regex match). The version cannot change inside one document, so
    look it up once per loader; the resolution tables and their order are ruamel's own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sealfile_table: Any = None

    @property
    def versioned_resolver(self) -> Any:
        if self._sealfile_table is None:
            self._sealfile_table = super().versioned_resolver
        return self._sealfile_table

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """ruamel's own ``resolve`` for a plain scalar with the table looked up once; any other
        case (or a table with catch-all entries, which ruamel's 1.2 rules do not have) is ruamel's."""
        table = self.versioned_resolver
        if kind is not ScalarNode or not implicit[0] or None in table or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        for tag, regexp in table.get(value[0] if value else "", ()):
            if regexp.match(value):
                return Tag(suffix=tag)
        return self.DEFAULT_SCALAR_TAG


@dataclass(slots=True)
class Leaf:
    """One scalar (or empty container) of the value tree, where it is and how to replace it."""

    path: Path
    encoded_path: bytes
    value: Any
    node: Any
    """The value's ruamel node (``start_mark``/``end_mark`` give its span, ``style`` its quoting)."""
    key_node: Any
    """The mapping key's node for a mapping value, ``None`` for a list item."""
    parent: Any
    """The dict or list holding the value, so it can be replaced in place."""
    slot: Any
    """The key or index of the value in ``parent``."""
    flow: bool
    """Inside a flow collection (``{...}`` / ``[...]``), where ``,[]{}`` are indicators."""


@dataclass
class Scan:
    tree: dict[Any, Any]
    """The value tree without the metadata key: plain dicts and lists."""
    metadata: Any
    """The constructed ``sealfile:`` value (``None`` if the key is missing)."""
    metadata_key_node: Any
    metadata_node: Any
    root: MappingNode
    leaves: list[Leaf] = field(default_factory=list)


class _Unusual(Exception):
    """A shape this walk does not handle; the general path decides what it means."""


def _loader_factory() -> YAML:
    yaml = YAML(typ="safe", pure=False)
    yaml.Resolver = OnceVersionResolver
    return yaml


_yaml: YAML | None = None


def scan(text: str) -> Scan | None:
    """Parse ``text``; ``None`` when the general path must decide (see the module docstring)."""
    global _yaml
    if _yaml is None:
        _yaml = _loader_factory()
    try:
        with gc_paused():
            return _scan(_yaml, text)
    except (_Unusual, YAMLError, RecursionError, ValueError):  # ValueError: a number too long to convert
        return None


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a parse makes ~10 objects per value and no cycles, and
    each full collection would walk all of them again (a third of the load time at 30,000 values)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _scan(yaml: YAML, text: str) -> Scan | None:
    loader, parser = yaml.get_constructor_parser(text)
    try:
        root = loader.composer.get_single_node()
        if not isinstance(root, MappingNode) or _tag(root) != MAP_TAG:
            return None
        return _Walk(loader).run(root)
    finally:
        parser.dispose()


def _tag(node: Node) -> str:
    return tag_text(node.ctag)


def tag_text(tag: Any) -> str:
    """``str(tag)`` without its per-call URI decoding (implicit tags have no handle, no ``%``)."""
    if isinstance(tag, Tag) and tag.handle is None and "%" not in tag.suffix:
        return str(tag.suffix)
    return str(tag)


class _Segments:
    """Canonical encodings of path segments, computed once per distinct key or index."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._indexes: list[bytes] = []

    def key(self, key: Segment) -> bytes:
        if type(key) is not str:
            return encode_path((key,))
        found = self._keys.get(key)
        if found is None:
            found = self._keys[key] = encode_path((key,))
        return found

    def index(self, index: int) -> bytes:
        while len(self._indexes) <= index:
            self._indexes.append(encode_path((ListIndex(len(self._indexes)),)))
        return self._indexes[index]


class _Walk:
    def __init__(self, constructor: Any):
        self._constructor = constructor
        self._seen: set[int] = set()
        self._segments = _Segments()

    def scalar(self, node: Node) -> Any:
        if type(node) is not ScalarNode:
            raise _Unusual
        tag = node.ctag
        if tag.handle is None and tag.suffix == STR_TAG:  # the common case, without the calls below
            return node.value
        if _tag(node) == STR_TAG:
            return node.value
        return self._constructor.construct_object(node, deep=True)

    def run(self, root: MappingNode) -> Scan:
        tree: dict[Any, Any] = {}
        result = Scan(tree, None, None, None, root)
        top: list[tuple[Node, Node]] = []
        for key_node, value_node in root.value:
            key = self.scalar(key_node)
            if key == METADATA_KEY and isinstance(key, str):
                if result.metadata_node is not None:
                    raise _Unusual
                result.metadata_key_node, result.metadata_node = key_node, value_node
                result.metadata = self._constructor.construct_object(value_node, deep=True)
            else:
                top.append((key_node, value_node))
        self._mapping(top, tree, (), b"", bool(root.flow_style), result.leaves)
        return result

    def _mapping(
        self, pairs: list[tuple[Node, Node]], into: dict[Any, Any], path: Path, encoded: bytes, flow: bool,
        leaves: list[Leaf],
    ) -> None:
        segments = self._segments
        for key_node, value_node in pairs:
            key = self.scalar(key_node)
            if not isinstance(key, (str, int)) or key in into or _tag(key_node) == MERGE_TAG:
                raise _Unusual  # int includes bool; a float key is refused by the format
            into[key] = self._value(value_node, into, key, key_node, (*path, key), encoded + segments.key(key),
                                    flow, leaves)

    def _value(
        self, node: Any, parent: Any, slot: Any, key_node: Any, path: Path, encoded: bytes, flow: bool,
        leaves: list[Leaf],
    ) -> Any:
        if type(node) is ScalarNode:
            value = self.scalar(node)
            leaves.append(Leaf(path, encoded, value, node, key_node, parent, slot, flow))
            return value
        if id(node) in self._seen:
            raise _Unusual
        self._seen.add(id(node))
        inner_flow = flow or bool(node.flow_style)
        tag = _tag(node)
        if type(node) is MappingNode and tag == MAP_TAG:
            mapping: dict[Any, Any] = {}
            if not node.value:
                leaves.append(Leaf(path, encoded, mapping, node, key_node, parent, slot, flow))
            self._mapping(node.value, mapping, path, encoded, inner_flow, leaves)
            return mapping
        if type(node) is SequenceNode and tag == SEQ_TAG:
            sequence: list[Any] = []
            if not node.value:
                leaves.append(Leaf(path, encoded, sequence, node, key_node, parent, slot, flow))
            for index, item in enumerate(node.value):
                sequence.append(None)
                sequence[index] = self._value(item, sequence, index, None, (*path, ListIndex(index)),
                                              encoded + self._segments.index(index), inner_flow, leaves)
            return sequence
        raise _Unusual

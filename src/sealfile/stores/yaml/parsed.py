"""A YAML file read by ruamel's parser and walked into a :class:`~.scanned.Scan` (:func:`~.scan.scan`
reads a text this way when the line scan does not).

The meaning is the one YAML meaning of this project, YAML 1.2 as ruamel.yaml reads it: nodes come from ruamel's
parser with its own resolver, and every scalar that is not a plain string is built by ruamel's own safe
constructor. ``engine="c"`` uses the C parser (ruamel.yaml.clib); ``engine="pure"`` the pure-Python one, which
gives the same nodes and marks (the test suite runs every verb through both). Refused here in one line:
global tags not YAML's own (an application's local tag, ``!Ref``, is read as :mod:`.custom_tags` says), a tag on
a key, keys not strings, integers or booleans, duplicate keys, a top level not a mapping, deep
nesting. Aliases and merge keys are read as ruamel's safe loader reads them (:mod:`.aliases`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ruamel.yaml.docinfo import DocInfo, version
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sealfile.errors import FormatError
from sealfile.model.metadata import METADATA_KEY
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.stores.base import BOM
from sealfile.stores.yaml.aliases import MERGE_VALUE, Expansion
from sealfile.stores.yaml.basics import Engine, gc_paused, one_key_in_python, unsupported_collection
from sealfile.stores.yaml.custom_tags import check_bare_tag, check_scalar_tag, custom_tag, tag_entry, value_start
from sealfile.stores.yaml.engines import engine_yaml, release, tag_text
from sealfile.stores.yaml.integers import FinerThanMicroseconds, NotOfItsTag
from sealfile.stores.yaml.metanodes import MERGE_TAG, built_metadata, check_metadata_nodes, metadata_document
from sealfile.stores.yaml.plain_tags import STR_TAG
from sealfile.stores.yaml.reader import MAX_DEPTH_MESSAGE, MAX_EDITABLE_DEPTH, document_reader, format_error
from sealfile.stores.yaml.scanned import Leaf, Scan, Segments
from sealfile.stores.yaml.spans import may_alias, value_span, where

_COLLECTION_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("map", "seq", "set", "omap", "pairs"))
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "binary",
                                                                  "timestamp"))
CUSTOM_TAG = "a tag neither YAML's own nor an application's (!Ref) is refused (quote a value that starts with '!')"
UNREADABLE = {"tag:yaml.org,2002:timestamp": "a date or time that does not exist",
              "tag:yaml.org,2002:int": "an integer of more than 4,300 digits",
              None: "a value that cannot be read as the type its spelling gives it"}


def parsed_scan(text: str, engine: Engine = "c", walk: type[_Walk] | None = None) -> Scan:
    """``text`` read by ruamel's parser (see :func:`~.scan.scan`); ``walk``: another walk of its nodes, for a text
    without anchors (:mod:`.stream`)."""
    if text.startswith(BOM):  # after the file's own mark, which its reader split off
        raise FormatError("invalid YAML at the start of the file: two byte-order marks (remove one)")
    yaml = document_reader(text, engine_yaml(engine))
    yaml.doc_infos.append(DocInfo(requested_version=version(yaml.version)))  # as ruamel's own load does
    try:
        with gc_paused():
            loader, parser = yaml.get_constructor_parser(text)
            try:
                roots = []
                while loader.composer.check_node():
                    roots.append(loader.composer.get_node())
                return (_anchored_walk() if may_alias(text) else walk or _Walk)(loader, text).run(roots)
            finally:
                release(yaml, parser)
    except FormatError:
        raise
    except YAMLError as err:
        raise format_error(err, text) from None
    except RecursionError:
        raise FormatError(MAX_DEPTH_MESSAGE) from None
    except (ValueError, OverflowError):  # an integer longer than Python converts (4300 digits), a time past
        # datetime.max (ruamel rounds nanoseconds up); never quote it
        raise FormatError("invalid YAML: a value cannot be read (a number too long?)") from None


def empty_document(root: Any) -> bool:
    """A document's root that is an empty null spanning no text: a document without keys (empty,
    comments, ``---``). A lone tag or anchor (``--- !``, which one engine reads as null) is not."""
    return (type(root) is ScalarNode and tag_text(root.ctag) == "tag:yaml.org,2002:null" and root.value == ""
            and root.start_mark.index == root.end_mark.index)


class _Walk:
    def __init__(self, constructor: Any, text: str):
        self._constructor = constructor
        self._text = text
        self._seen: set[int] = set()
        self._anchors = may_alias(text)
        """A text without an anchor or a merge walks each node once."""
        self._tags = "!" in text
        """Likewise a tag (:func:`.custom_tags.check_bare_tag`)."""
        self._segments = Segments()
        self._leaves: list[Leaf] = []
        self._containers: dict[bytes, tuple[Any, Any]] = {}
        if self._anchors:
            self._expansion = Expansion(self._leaves)
            self._deepest = 0

    def run(self, roots: list[Any]) -> Scan:
        if len(roots) < 2 and all(empty_document(root) for root in roots):  # empty, comments, '---': no keys yet
            return Scan(self._text, {}, False, [], leaves=self._leaves, containers=self._containers)
        metadata_root = None
        if len(roots) > 1 and metadata_document(roots[-1]):
            *roots, metadata_root = roots
        elif len(roots) > 1 and metadata_document(roots[0]):  # before a last document's open block scalar
            metadata_root, *roots = roots
        multi = len(roots) > 1  # a stream's empty documents are sealed by its documents entry (.seal_entries)
        if multi and all(empty_document(root) for root in roots):
            raise FormatError("the file holds no YAML document (it is empty or only comments)")
        scanned = Scan(self._text, [] if multi else {}, multi, roots, leaves=self._leaves,
                       containers=self._containers)
        self._refs, self._tagged = scanned.refs, scanned.tagged
        for index, root in enumerate(roots):
            prefix: Path = (ListIndex(index),) if multi else ()
            encoded = self._segments.index(index) if multi else b""
            document = self._document(root, prefix, encoded, scanned, allow_metadata=not multi)
            if multi:
                scanned.tree.append(document)
            else:  # one document without keys, before the metadata's: an empty mapping, as a text with no key yet
                scanned.tree = {} if document is None else document
        if self._anchors:
            self._expansion.record(scanned)
        if metadata_root is not None:
            key, value = metadata_root.value[0]
            scanned.metadata_key_node, scanned.metadata_node = key, value
            scanned.metadata_own_document = key.start_mark.index >= scanned.roots[0].end_mark.index
            scanned.metadata = self._metadata(value)
        return scanned

    def _metadata(self, node: Node) -> Any:
        check_metadata_nodes(node, self._seen)  # before ruamel resolves aliases and merge keys
        return built_metadata(self._constructor, node)

    def _document(self, root: Any, prefix: Path, encoded: bytes, scanned: Scan, *, allow_metadata: bool) -> Any:
        if empty_document(root):
            return None
        if type(root) is not MappingNode or tag_text(root.ctag) != MAP_TAG:
            raise FormatError("the top level of a document must be a mapping of keys to values "
                              f"({where(root)})")
        pairs = []
        self._seen.add(id(root))  # an alias to the document around it is refused
        for key_node, value_node in root.value:
            if (type(key_node) is ScalarNode and key_node.value == METADATA_KEY
                    and self._scalar(key_node) == METADATA_KEY):
                if not allow_metadata or scanned.metadata_node is not None:
                    raise FormatError(f"the top-level key '{METADATA_KEY}' is reserved ({where(key_node)})")
                scanned.metadata_key_node, scanned.metadata_node = key_node, value_node
                scanned.metadata = self._metadata(value_node)
            else:
                pairs.append((key_node, value_node))
        mapping: dict[Any, Any] = {}
        self._containers[encoded] = (None, root)
        self._mapping(pairs, mapping, prefix, encoded, bool(root.flow_style), root.start_mark.column, 1)
        return mapping

    def _scalar(self, node: Any) -> Any:
        if type(node) is not ScalarNode:
            raise FormatError(self._not_a_key(node))
        tag = node.ctag
        if tag.handle is None and tag.suffix == STR_TAG:  # the common case, without the calls below
            return node.value
        text = tag_text(tag)
        if text == STR_TAG:
            return node.value
        if text not in SCALAR_TAGS and text != MERGE_TAG:
            if text in _COLLECTION_TAGS:  # not custom, a misplaced tag; named from this fixed set only, as any
                # other tag's text may be the secret (an unquoted ``!!s3cret`` is read as a tag)
                raise FormatError(f"a single value tagged !!{text.rsplit(':', 1)[1]}, a collection's tag "
                                  f"({where(node)}): remove the tag")
            if text == "tag:yaml.org,2002:value":  # a plain '=': neither reader gives it as text
                raise FormatError(f"a plain '=' is YAML 1.1's value key (no text) to ruamel and PyYAML "
                                  f"({where(node)}): quote it")
            raise FormatError(CUSTOM_TAG + f" ({where(node)})")
        # ruamel's own constructor for the tag, called as construct_object calls it, without its
        # per-node bookkeeping (kept for aliases, which the walk copies itself, and which costs a third here)
        build = self._constructor.yaml_constructors.get(text)
        try:
            return build(self._constructor, node) if build else self._constructor.construct_object(node, True)
        except (ValueError, OverflowError) as err:  # spelled as its type but not one (never quote it: it may
            # be the secret); OverflowError: ruamel rounds 9999-12-31T23:59:59.9999995 up past datetime.max
            if isinstance(err, NotOfItsTag):  # quoting keeps the tag: only removing it makes the value text
                raise FormatError(f"{err} at {where(node)} (remove the tag to keep it as text)") from None
            what = str(err) if isinstance(err, FinerThanMicroseconds) else UNREADABLE.get(text, UNREADABLE[None])
            raise FormatError(f"{what} at {where(node)} (quote it to keep it as text)") from None

    def _not_a_key(self, node: Any) -> str:
        start = node.start_mark.index
        if self._text.startswith("{{", start) or self._text.startswith("{{", max(start - 1, 0)):
            return (f"a template placeholder ({{{{ ... }}}}) is not YAML ({where(node)}): seal the rendered "
                    "file, or quote the placeholder")
        return f"mapping keys must be strings, integers or booleans ({where(node)})"

    def _walk_mapping(self, pairs: list[tuple[Node, Node]], into: dict[Any, Any], path: Path, encoded: bytes,
                      flow: bool, indent: int, depth: int, replaceable: set[Any] | None = None) -> None:
        """``replaceable``: keys a merge put in ``into`` that a key written in the mapping replaces."""
        segments = self._segments
        for key_node, value_node in pairs:
            if self._tags and type(key_node) is ScalarNode:
                check_bare_tag(self._text, key_node, path)
            tag = key_node.ctag if type(key_node) is ScalarNode else None
            if tag is not None and tag.handle is None and tag.suffix == STR_TAG:  # the common case: a string
                key = key_node.value
            else:
                if tag is not None and tag_text(tag) == MERGE_TAG:  # a text without anchors has no alias to merge
                    raise FormatError(f"{MERGE_VALUE} ({where(key_node)})", keypath=format_keypath(path) or None)
                try:  # a key of no key type, or not what its tag says: named by its mapping's path
                    key = self._scalar(key_node)
                except FormatError as err:
                    err.keypath = err.keypath or format_keypath(path) or None
                    raise
                if isinstance(key, float) or not isinstance(key, (str, int)) or isinstance(key, bytes):
                    raise FormatError(self._not_a_key(key_node), keypath=format_keypath(path) or None)
            if key in into:
                if replaceable and key in replaceable:  # a merged key written again: the written one
                    replaceable.discard(key)
                else:
                    raise FormatError(f"duplicate key at {where(key_node)}{one_key_in_python(into, key)}",
                                      keypath=format_keypath((*path, key)))
            into[key] = self._value(value_node, into, key, key_node, (*path, key), encoded + segments.key(key),
                                    flow, key_node.start_mark.column if not flow else indent, depth)

    def _build(self, node: Any, parent: Any, slot: Any, key_node: Any, path: Path, encoded: bytes, flow: bool,
               indent: int, depth: int) -> Any:
        """The value of a node met for the first time (:attr:`_value`: this, or with anchors in the
        text :meth:`~.alias_walk.AliasWalk._tracked`, which calls this)."""
        if type(node) is ScalarNode:
            if self._tags:
                check_bare_tag(self._text, node, path)
            ctag = node.ctag
            plain = ctag.handle is None and ctag.suffix == STR_TAG
            custom = None if plain else custom_tag(self._text, node, path)
            start, end = node.start_mark.index, node.end_mark.index
            try:  # a value read otherwise, or a key with no ':' after it (:func:`.spans.value_span`): named by path
                value = node.value if plain or custom else self._scalar(node)
                if start == end or node.style in ("|", ">"):  # the spans a node's marks do not give
                    start, end = value_span(self._text, node, key_node)
            except FormatError as err:
                err.keypath = err.keypath or format_keypath(path)
                raise
            if custom:  # the tag stays outside the value's span, so outside its token
                check_scalar_tag(custom, node, path)
                self._tag_ref(encoded, custom, path)
                start = value_start(self._text, start, end, node, path)
            self._leaves.append(Leaf(path, encoded, value, node, key_node, parent, slot, flow, indent, start, end))
            return value
        if depth >= MAX_EDITABLE_DEPTH:
            raise FormatError(f"{MAX_DEPTH_MESSAGE} (more than {MAX_EDITABLE_DEPTH} levels)")
        inner_flow = flow or bool(node.flow_style)
        inner_indent = indent if inner_flow else node.start_mark.column
        tag = tag_text(node.ctag)
        if tag.startswith("!") and custom_tag(self._text, node, path):
            self._tag_ref(encoded, tag, path)
            tag = MAP_TAG if type(node) is MappingNode else SEQ_TAG
        self._containers[encoded] = (key_node, node)
        if type(node) is MappingNode and tag == MAP_TAG:
            mapping: dict[Any, Any] = {}
            self._mapping(node.value, mapping, path, encoded, inner_flow, inner_indent, depth + 1)
            if not mapping:  # written empty, or merging only empty mappings
                self._leaves.append(Leaf(path, encoded, mapping, node, key_node, parent, slot, flow, indent,
                                         node.start_mark.index, node.end_mark.index))
            return mapping
        if type(node) is SequenceNode and tag == SEQ_TAG:
            sequence: list[Any] = []
            if not node.value:
                self._leaves.append(Leaf(path, encoded, sequence, node, key_node, parent, slot, flow, indent,
                                         node.start_mark.index, node.end_mark.index))
            for index, item in enumerate(node.value):
                sequence.append(None)
                sequence[index] = self._value(item, sequence, index, None, (*path, ListIndex(index)),
                                              encoded + self._segments.index(index), inner_flow, inner_indent,
                                              depth + 1)
            return sequence
        if tag.startswith("tag:yaml.org,2002:"):
            raise FormatError(f"{unsupported_collection(tag.rsplit(':', 1)[1])} ({where(node)})",
                              keypath=format_keypath(path))
        raise FormatError(CUSTOM_TAG + f" ({where(node)})", keypath=format_keypath(path))

    def _tag_ref(self, encoded: bytes, tag: str, path: Path) -> None:
        """A tagged node's seal entry, in document order with those of aliases and merges."""
        (self._expansion.refs if self._anchors else self._refs).append((len(self._leaves), encoded, tag_entry(tag)))
        self._tagged[path] = tag

    _value = _build  # class attributes: a bound method kept on the walk would make it a reference cycle
    _mapping = _walk_mapping



@cache
def _anchored_walk() -> type[_Walk]:
    """The walk of a text with anchors (imported only for one: most files have none)."""
    from sealfile.stores.yaml.alias_walk import AliasWalk

    class _AnchoredWalk(AliasWalk, _Walk):
        _value = AliasWalk._tracked
        _mapping = AliasWalk._anchored_mapping

    return _AnchoredWalk

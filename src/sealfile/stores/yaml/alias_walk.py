"""The scan's walk of a text with anchors (docs/format.md §1): every node recorded as written, an
alias or a merge key (``<<``) copied where ruamel's safe loader puts it (:mod:`.aliases` holds
what the copies record)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from sealfile.errors import FormatError
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.stores.yaml.aliases import MERGE_VALUE, UNFINISHED, Expansion, Written, alias_entry, merge_entry
from sealfile.stores.yaml.engines import tag_text
from sealfile.stores.yaml.metanodes import MERGE_TAG
from sealfile.stores.yaml.reader import MAX_DEPTH_MESSAGE, MAX_EDITABLE_DEPTH
from sealfile.stores.yaml.scalars import STR_TAG
from sealfile.stores.yaml.scanned import Leaf
from sealfile.stores.yaml.spans import where

MERGE_SEGMENT = "<<"
"""The path segment under a mapping of a mapping written in its merge key (``<<: {x: 1}``)."""
_ANCHOR = re.compile(r"&[A-Za-z0-9_-]*(?:[ \t\r\n]+|(?=[^ \t\r\n]))")
"""An anchor property (its name as libyaml reads it: ASCII letters, digits, ``-``, ``_``) and the blanks and line
breaks after it, up to its node's value."""
_TAG_THEN_ANCHOR = re.compile(r"![^ \t\r\n]*[ \t\r\n]+&[A-Za-z0-9_-]*(?:[ \t\r\n]+|(?=[^ \t\r\n]))")
"""A tag, then an anchor (``!!str &a``), and the blanks and line breaks up to the value."""


class AliasWalk:
    """The scan's walk (:class:`sealfile.stores.yaml.parsed._Walk`) of a text with anchors: every node
    recorded as written, an alias or merge copied where the safe loader puts it."""

    _text: str
    _leaves: list[Leaf]
    _seen: set[int]
    _expansion: Expansion
    _deepest: int
    _build: Callable[..., Any]
    _value: Callable[..., Any]
    _segments: Any
    _walk_mapping: Callable[..., None]
    _scalar: Callable[[Any], Any]

    def _tracked(self, node: Any, parent: Any, slot: Any, key_node: Any, path: Path, encoded: bytes, flow: bool,
                 indent: int, depth: int) -> Any:
        expansion = self._expansion
        written = expansion.written.get(id(node))
        if written is not None:
            return self._alias(written, parent, slot, key_node, path, encoded, depth)
        if id(node) in self._seen:  # met, not done: a collection around it, a key, the metadata
            raise FormatError(f"{UNFINISHED} ({where(node)})", keypath=format_keypath(path))
        self._seen.add(id(node))
        leaves, echoes, expanded, segments = (len(self._leaves), len(expansion.echoes), expansion.expanded,
                                              expansion.expanded_segments)
        expansion.written_at(path)
        outer, self._deepest = self._deepest, depth
        value = self._build(node, parent, slot, key_node, path, encoded, flow, indent, depth)
        if type(node) is ScalarNode:
            self._anchor_outside(self._leaves[-1])
        size = expansion.expanded - expanded
        expansion.written[id(node)] = Written(path, encoded, value, range(leaves, len(self._leaves)),
                                              range(echoes, len(expansion.echoes)), size, self._deepest - depth,
                                              expansion.expanded_segments - segments - size * len(path))
        self._deepest = max(outer, self._deepest)
        return value

    def _alias(self, written: Written, parent: Any, slot: Any, key_node: Any, path: Path, encoded: bytes,
               depth: int) -> Any:
        self._deeper(written, depth, path)
        if type(written.value) not in (dict, list):
            self._tag_first(self._leaves[written.leaves.start])
        expansion = self._expansion
        expansion.charge([written], path)
        expansion.refs.append((len(self._leaves), encoded, alias_entry(written.encoded)))
        return expansion.copy(written, path, encoded, parent, slot, key_node)

    def _anchor_outside(self, leaf: Leaf) -> None:
        """A scalar's span without its anchor, which the sealed text keeps (``&pw ENC[...]``): an alias
        may name it, and its token stays the same whether one does or not. Written tag first, a
        string keeps its tag outside too (``!!str &pw ENC[...]`` is a string); another type cannot."""
        text, start = self._text, leaf.start
        if text.startswith("&", start):
            leaf.start = min(self._past_anchor(leaf, _ANCHOR.match(text, start)), leaf.end)
        elif text.startswith("!", start) and tag_text(leaf.node.ctag) == STR_TAG:
            properties = _TAG_THEN_ANCHOR.match(text, start, leaf.end)
            leaf.start = self._past_anchor(leaf, properties) if properties else start

    def _past_anchor(self, leaf: Leaf, properties: re.Match[str] | None) -> int:
        """Where the value after ``properties`` starts; refused when libyaml ends the anchor's name right
        before more of the value (``&a:b x`` is the anchor ``a`` on the string ``:b x``): kept outside the
        token, that start of the value would be read as a plain scalar beside it."""
        if properties is None:
            return leaf.start
        end = properties.end()
        if end < leaf.end and not self._text[end - 1].isspace():
            raise FormatError(f"an anchor name followed by '{self._text[end]}' ({where(leaf.node)}): libyaml "
                              "(ruamel's C reader, PyYAML) ends the name there and reads the rest as the value; "
                              "use only letters, digits, '-' and '_' in anchor names",
                              keypath=format_keypath(leaf.path))
        return end

    def _tag_first(self, leaf: Leaf) -> None:
        """Refuse an aliased scalar written tag first that is not a string (``!!int &a 7``): its anchor
        is inside its span, so sealing it would hide the name its aliases need."""
        text, start = self._text, leaf.start
        if text.startswith("!", start) and text.find("&", start, leaf.end) >= 0:
            raise FormatError(f"an aliased value other than a string written with its tag before its anchor "
                              f"({where(leaf.node)}): write the anchor first (&name !!tag value)",
                              keypath=format_keypath(leaf.path))

    def _deeper(self, written: Written, depth: int, path: Path) -> None:
        if depth + written.height >= MAX_EDITABLE_DEPTH:
            raise FormatError(f"{MAX_DEPTH_MESSAGE} (more than {MAX_EDITABLE_DEPTH} levels once aliases are "
                              "expanded)", keypath=format_keypath(path) or None)
        self._deepest = max(self._deepest, depth + written.height)

    def _anchored_mapping(self, pairs: list[tuple[Any, Any]], into: dict[Any, Any], path: Path, encoded: bytes,
                          flow: bool, indent: int, depth: int, replaceable: set[Any] | None = None) -> None:
        """A mapping's walk with its merge key taken first and no alias as a key."""
        pairs, replaceable = self._merged(pairs, into, path, encoded, (flow, indent, depth))
        for key_node, _ in pairs:
            self._check_key(key_node, path)
        self._walk_mapping(pairs, into, path, encoded, flow, indent, depth, replaceable)

    def _check_key(self, key_node: Any, path: Path) -> None:
        if id(key_node) in self._seen:
            raise FormatError(f"a YAML alias as a mapping key is not supported (its anchor at {where(key_node)}): "
                              "the key would be the value at its anchor, which may be sealed; write the key out",
                              keypath=format_keypath(path) or None)
        self._seen.add(id(key_node))

    def _merged(self, pairs: list[tuple[Any, Any]], into: dict[Any, Any], path: Path, encoded: bytes,
                at: tuple[bool, int, int]) -> tuple[list[tuple[Any, Any]], set[Any] | None]:
        """A mapping's pairs without its merge key (``<<``), the merged values put in ``into`` as
        ruamel's ``SafeConstructor.flatten_mapping`` and ``construct_mapping`` order and choose
        them: merged keys first, the first mapping of ``<< [*a, *b]`` winning, a key written in the
        mapping replacing a merged one in its place. Also the keys written that may do so."""
        merges = [index for index, (key, _) in enumerate(pairs) if is_merge_key(key)]
        if not merges:
            return pairs, None
        key_node, value_node = pairs[merges[0]]
        if len(merges) > 1:
            raise FormatError(f"duplicate merge key (<<) at {where(pairs[merges[1]][0])}",
                              keypath=format_keypath(path) or None)
        depth = at[2]
        expansion = self._expansion
        ref = len(expansion.refs)  # its entry before those of the aliases in a mapping written in it
        expansion.refs.append((len(self._leaves), encoded, b""))
        sources = self._merge_sources(value_node, key_node, path, encoded, at)
        rest = pairs[:merges[0]] + pairs[merges[0] + 1:]
        own = [self._scalar(key) for key, _ in rest]
        if MERGE_SEGMENT in own and any(source.path[:len(path) + 1] == (*path, MERGE_SEGMENT) for source in sources):
            raise FormatError(f"a key '<<' written beside a merge key that holds a mapping ({where(key_node)}): "
                              "their values would share a path; rename the key", keypath=format_keypath(path) or None)
        written_keys = set(own)
        chosen: dict[Any, Written] = {}
        for source in reversed(sources):
            for key in source.value:
                chosen[key] = source
        for source in sources:
            self._deeper(source, depth, path)
        expansion.charge(sources, path)
        expansion.refs[ref] = (*expansion.refs[ref][:2], merge_entry([source.encoded for source in sources]))
        expansion.merges.append((path, [source.path if source.path[len(path):][:1] != (MERGE_SEGMENT,)
                                        else source.value for source in sources], own))
        into.update(dict.fromkeys(chosen))  # every merged key in its place, written ones replacing theirs
        first = len(expansion.echoes)
        keys_of: dict[int, list[Any]] = {id(source): [] for source in sources}  # a mapping merged twice: once
        for key, source in chosen.items():
            if key not in written_keys:
                keys_of[id(source)].append(key)
        for source in dict.fromkeys(sources):
            expansion.merge(source, keys_of[id(source)], into, path, encoded)
        place = {key: index for index, key in enumerate(into)}  # the echoes in the order of the keys
        expansion.echoes[first:] = sorted(expansion.echoes[first:], key=lambda echo: place[echo.path[len(path)]])
        return rest, written_keys & chosen.keys()

    def _merge_sources(self, value_node: Any, key_node: Any, path: Path, encoded: bytes,
                       at: tuple[bool, int, int]) -> list[Written]:
        """The mappings a merge key merges: aliases of mappings written before, and mappings written in
        its value, walked here at ``path`` ``<<`` (and their index in a list: docs/format.md §1.1)."""
        listed = type(value_node) is SequenceNode
        nodes = value_node.value if listed else [value_node]
        flow, indent, depth = at
        flow = flow or bool(value_node.flow_style) if listed else flow
        sources = []
        for index, node in enumerate(nodes):
            written = self._expansion.written.get(id(node))
            if written is None and type(node) is MappingNode and id(node) not in self._seen:
                inner, inner_encoded = (*path, MERGE_SEGMENT), encoded + self._segments.key(MERGE_SEGMENT)
                if listed:
                    inner, inner_encoded = (*inner, ListIndex(index)), inner_encoded + self._segments.index(index)
                self._expansion.inline.append(inner)
                self._value(node, {}, MERGE_SEGMENT, None if listed else key_node, inner, inner_encoded, flow,
                            key_node.start_mark.column if not flow else indent, depth)
                written = self._expansion.written.get(id(node))
            if type(node) is not MappingNode or written is None or type(written.value) is not dict:
                raise FormatError(f"{MERGE_VALUE} ({where(key_node)})", keypath=format_keypath(path) or None)
            sources.append(written)
        return sources


def is_merge_key(node: Any) -> bool:
    return type(node) is ScalarNode and tag_text(node.ctag) == MERGE_TAG


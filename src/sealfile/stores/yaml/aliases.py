"""YAML aliases (``*name``) and merge keys (``<<: *name``) read as ruamel's safe loader reads them,
with each value still sealed once, where it is written (docs/format.md §1, §6, §7).

The scan (:mod:`sealfile.stores.yaml.scan`) walks every written node once. An alias or a merge
puts a *copy* of what the anchored node holds where the safe loader puts it (ruamel shares one
object between the places; a reader here never does, so an application changing one place does
not change another), and records:

- an :class:`Echo` for every leaf the copy holds: the written leaf it repeats and the place of the
  copy, so opening a value fills every place that holds it and a rule sees every path it has;
- a :class:`Copy` from the written path to the place, so an edit at a written path knows every
  other place that changes with it (:func:`mirrors`);
- a seal entry (§7) at the alias's path, ``*`` and the anchored node's written path, or at the
  merging mapping's path, ``<`` and the framed written paths of the merged mappings in order: the
  MAC covers what each alias and merge refers to.

Expansion is bounded: a text of a few lines can alias aliases of aliases (the "billion laughs"), so
the values copies hold are counted before any copy is made, and refused past :data:`EXPANSION_FLOOR`
and :data:`EXPANSION_FACTOR` times the nodes written (work linear in the text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from sealfile.errors import FormatError
from sealfile.model.paths import Path, encode_path, format_keypath
from sealfile.stores.yaml.engines import tag_text
from sealfile.stores.yaml.reader import MAX_DEPTH_MESSAGE, MAX_EDITABLE_DEPTH
from sealfile.stores.yaml.scanned import Leaf

MERGE_TAG = "tag:yaml.org,2002:merge"
_ANCHOR = re.compile(r"&[^ \t\r\n]*[ \t\r\n]*")
"""An anchor property and the blanks and line breaks after it, up to its node's value."""

EXPANSION_FLOOR = 100_000
"""Values aliases and merges may copy in any file (a real file's anchors copy a few hundred)."""
EXPANSION_FACTOR = 10
"""... and in a larger one, this many times the nodes written before the copy."""
EXPANDS_TOO_MUCH = ("YAML aliases here would expand the file to more than {limit:,} values (an alias bomb?): "
                    "write the values out, or alias fewer times")

Ref = tuple[int, bytes, bytes]
"""A seal entry of an alias or a merge: ``(number of leaves before it, encoded path, entry bytes)``."""


class Written:
    """A node as written (at its anchor): where, what it built, and the leaves and echoes its walk
    made (contiguous ranges: the walk is depth-first)."""

    __slots__ = ("echoes", "encoded", "height", "leaves", "path", "size", "value")
    path: Path
    encoded: bytes
    value: Any
    leaves: range
    echoes: range
    size: int
    """Values in its expanded tree (itself included)."""
    height: int
    """Levels of nesting in its expanded tree below it."""

    def __init__(self, path: Path, encoded: bytes, value: Any, leaves: range, echoes: range, size: int,
                 height: int) -> None:
        self.path, self.encoded, self.value, self.leaves = path, encoded, value, leaves
        self.echoes, self.size, self.height = echoes, size, height


class Echo:
    """A written leaf's value held at another place (through an alias or a merge)."""

    __slots__ = ("at", "encoded", "leaf", "parent", "path", "slot")

    def __init__(self, leaf: Leaf, path: Path, encoded: bytes, parent: Any, slot: Any, at: int) -> None:
        self.leaf, self.path, self.encoded, self.parent, self.slot, self.at = leaf, path, encoded, parent, slot, at

    def __repr__(self) -> str:  # never the value
        return f"<Echo {format_keypath(self.path)!r} of {format_keypath(self.leaf.path)!r}>"


class Copy:
    """The node written at ``source`` held again at ``place`` (an alias, or one merged key)."""

    __slots__ = ("merged", "place", "source")

    def __init__(self, source: Path, place: Path, *, merged: bool = False) -> None:
        self.source, self.place, self.merged = source, place, merged


class Expansion:
    """What aliases and merges add to a scan: echoes, copies, seal entries, and the bound on them."""

    def __init__(self, leaves: list[Leaf]) -> None:
        self.leaves = leaves
        self.echoes: list[Echo] = []
        self.copies: list[Copy] = []
        self.refs: list[Ref] = []
        self.merges: list[tuple[Path, list[Path], list[Any]]] = []
        """Each mapping with a merge key: its path, the written paths it merges in order, and its
        own keys in the order written."""
        self.written: dict[int, Written] = {}
        """id(node) -> the node as written, for every node walked."""
        self.nodes = 0
        """Nodes written so far."""
        self.expanded = 0
        """Values the tree holds so far (written and copied)."""

    def charge(self, size: int, where: Path) -> None:
        """Count ``size`` values about to be copied; refuse past the bound, before any is made."""
        self.expanded += size
        limit = max(EXPANSION_FLOOR, EXPANSION_FACTOR * self.nodes)
        if self.expanded - self.nodes > limit:
            raise FormatError(EXPANDS_TOO_MUCH.format(limit=limit), keypath=format_keypath(where) or None)

    def copy(self, written: Written, place: Path, encoded: bytes, parent: Any, slot: Any) -> Any:
        """A fresh copy of what ``written`` holds, to be put at ``place``, in ``parent[slot]``: every
        leaf it holds gets an echo there."""
        copied = copied_data(written.value)
        cut = len(written.path)
        at = len(self.leaves)
        for leaf, path in self._inside(written):
            inner = path[cut:]
            holder, key = (parent, slot) if not inner else (_at(copied, inner[:-1]), inner[-1])
            self.echoes.append(Echo(leaf, place + inner, encoded + encode_path(inner), holder, key, at))
        self.copies.append(Copy(written.path, place))
        return copied

    def merge(self, written: Written, keys: list[Any], into: dict[Any, Any], place: Path, encoded: bytes) -> None:
        """Copies of the values of ``keys`` in the mapping ``written`` put in ``into`` (at ``place``)
        under the same keys, every leaf they hold echoed there."""
        for key in keys:
            into[key] = copied_data(written.value[key])
            self.copies.append(Copy((*written.path, key), (*place, key), merged=True))
        chosen = set(keys)
        cut = len(written.path)
        at = len(self.leaves)
        for leaf, path in self._inside(written):
            inner = path[cut:]
            if not inner or inner[0] not in chosen:
                continue
            holder = into if len(inner) == 1 else _at(into[inner[0]], inner[1:-1])
            self.echoes.append(Echo(leaf, place + inner, encoded + encode_path(inner), holder, inner[-1], at))

    def _inside(self, written: Written) -> list[tuple[Leaf, Path]]:
        """Every leaf the expanded tree of ``written`` holds, with its path there."""
        inside = [(leaf, leaf.path) for leaf in self.leaves[written.leaves.start:written.leaves.stop]]
        return inside + [(echo.leaf, echo.path) for echo in self.echoes[written.echoes.start:written.echoes.stop]]


def copied_data(value: Any) -> Any:
    """A deep copy of plain data (dicts, lists, immutable scalars), nesting bounded by the scan."""
    if type(value) is dict:
        return {key: copied_data(item) for key, item in value.items()}
    if type(value) is list:
        return [copied_data(item) for item in value]
    return value


def _at(tree: Any, path: Path) -> Any:
    for segment in path:
        tree = tree[segment]
    return tree


def frame(part: bytes) -> bytes:
    return len(part).to_bytes(4, "big") + part


def alias_entry(anchored: bytes) -> bytes:
    """The seal entry of an alias (§7): ``*`` and the anchored node's encoded written path."""
    return b"*" + anchored


def merge_entry(anchored: list[bytes]) -> bytes:
    """The seal entry of a merge key (§7): ``<`` and each merged mapping's framed written path, in order."""
    return b"<" + b"".join(frame(path) for path in anchored)


def with_refs(entries: list[tuple[bytes, bytes]], refs: list[Ref]) -> list[tuple[bytes, bytes]]:
    """The seal's entries in document order: the leaves' ``entries`` with each alias and merge entry
    in its place (a file without aliases: ``entries`` itself)."""
    if not refs:
        return entries
    out: list[tuple[bytes, bytes]] = []
    done = 0
    for at, path, entry in refs:
        out += entries[done:at]
        done = at
        out.append((path, entry))
    out += entries[done:]
    return out


class AliasWalk:
    """The scan's walk (:class:`sealfile.stores.yaml.scan._Walk`) of a text with anchors: every node
    recorded as written, an alias or merge copied where the safe loader puts it."""

    _text: str
    _leaves: list[Leaf]
    _seen: set[int]
    _expansion: Expansion
    _deepest: int
    _build: Callable[..., Any]
    _scalar: Callable[[Any], Any]

    def _tracked(self, node: Any, parent: Any, slot: Any, key_node: Any, path: Path, encoded: bytes, flow: bool,
                 indent: int, depth: int) -> Any:
        expansion = self._expansion
        written = expansion.written.get(id(node))
        if written is not None:
            return self._alias(written, parent, slot, path, encoded, depth)
        if id(node) in self._seen:  # met, not done: a collection around it, a key, the metadata
            raise FormatError(f"{UNFINISHED} ({where(node)})", keypath=format_keypath(path))
        self._seen.add(id(node))
        expansion.nodes += 1
        expansion.expanded += 1
        leaves, echoes, expanded = len(self._leaves), len(expansion.echoes), expansion.expanded
        outer, self._deepest = self._deepest, depth
        value = self._build(node, parent, slot, key_node, path, encoded, flow, indent, depth)
        expansion.written[id(node)] = Written(path, encoded, value, range(leaves, len(self._leaves)),
                                              range(echoes, len(expansion.echoes)),
                                              expansion.expanded - expanded + 1, self._deepest - depth)
        self._deepest = max(outer, self._deepest)
        return value

    def _alias(self, written: Written, parent: Any, slot: Any, path: Path, encoded: bytes, depth: int) -> Any:
        self._deeper(written, depth, path)
        if type(written.value) not in (dict, list):
            self._after_anchor(self._leaves[written.leaves.start])
        expansion = self._expansion
        expansion.charge(written.size, path)
        expansion.refs.append((len(self._leaves), encoded, alias_entry(written.encoded)))
        return expansion.copy(written, path, encoded, parent, slot)

    def _after_anchor(self, leaf: Leaf) -> None:
        """An aliased scalar's span without its anchor, which the sealed text keeps for its aliases
        (an anchor nothing names is sealed inside the token, as it always was)."""
        text, start = self._text, leaf.start
        if text.startswith("&", start):
            name = _ANCHOR.match(text, start)
            leaf.start = min(name.end() if name else start, leaf.end)
        elif text.startswith("!", start) and text.find("&", start, leaf.end) >= 0:
            raise FormatError(f"an aliased value written with its tag before its anchor ({where(leaf.node)}): "
                              "write the anchor first (&name !!tag value)", keypath=format_keypath(leaf.path))

    def _deeper(self, written: Written, depth: int, path: Path) -> None:
        if depth + written.height >= MAX_EDITABLE_DEPTH:
            raise FormatError(f"{MAX_DEPTH_MESSAGE} (more than {MAX_EDITABLE_DEPTH} levels once aliases are "
                              "expanded)", keypath=format_keypath(path) or None)
        self._deepest = max(self._deepest, depth + written.height)

    def _check_key(self, key_node: Any, path: Path) -> None:
        if id(key_node) in self._seen:
            raise FormatError(f"a YAML alias as a mapping key is not supported ({where(key_node)})",
                              keypath=format_keypath(path) or None)
        self._seen.add(id(key_node))

    def _merged(self, pairs: list[tuple[Any, Any]], into: dict[Any, Any], path: Path, encoded: bytes,
                depth: int) -> tuple[list[tuple[Any, Any]], set[Any] | None]:
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
        sources = self._merge_sources(value_node, key_node, path)
        rest = pairs[:merges[0]] + pairs[merges[0] + 1:]
        own = [self._scalar(key) for key, _ in rest]
        written_keys = set(own)
        chosen: dict[Any, Written] = {}
        for source in reversed(sources):
            for key in source.value:
                chosen[key] = source
        expansion = self._expansion
        for source in sources:
            self._deeper(source, depth, path)
        expansion.charge(sum(source.size for source in sources), path)
        expansion.refs.append((len(self._leaves), encoded, merge_entry([source.encoded for source in sources])))
        expansion.merges.append((path, [source.path for source in sources], own))
        into.update(dict.fromkeys(chosen))  # every merged key in its place, written ones replacing theirs
        for source in sources:
            keys = [key for key, chosen_source in chosen.items() if chosen_source is source and key not in written_keys]
            expansion.merge(source, keys, into, path, encoded)
        return rest, written_keys & chosen.keys()

    def _merge_sources(self, value_node: Any, key_node: Any, path: Path) -> list[Written]:
        nodes = value_node.value if type(value_node) is SequenceNode else [value_node]
        sources = [self._expansion.written.get(id(node)) for node in nodes]
        if not all(type(node) is MappingNode for node in nodes) or None in sources:
            raise FormatError(f"{MERGE_VALUE} ({where(key_node)})", keypath=format_keypath(path) or None)
        return [source for source in sources if source is not None]


UNFINISHED = "a YAML alias to a node that is not a value written before it (a collection around it, or a key)"
MERGE_VALUE = "a YAML merge key (<<) takes an alias of a mapping or a list of them (<<: *name, <<: [*a, *b])"


def is_merge_key(node: Any) -> bool:
    return type(node) is ScalarNode and tag_text(node.ctag) == MERGE_TAG


def where(node: Any) -> str:
    return f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"


def echoes_of(echoes: list[Echo]) -> dict[int, list[Echo]]:
    """id(leaf) -> the echoes of that leaf."""
    found: dict[int, list[Echo]] = {}
    for echo in echoes:
        found.setdefault(id(echo.leaf), []).append(echo)
    return found


def encrypted_anywhere(encrypts: Callable[[Path, int], bool], leaf: Leaf, echoes: dict[int, list[Echo]]) -> bool:
    """Whether a rule encrypts ``leaf``'s value at any path the tree holds it (§6): where it is
    written, or any place an alias or merge puts it."""
    return encrypts(leaf.path, id(leaf.parent)) or any(encrypts(echo.path, id(echo.parent))
                                                      for echo in echoes.get(id(leaf), ()))

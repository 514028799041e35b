"""YAML aliases (``*name``) and merge keys (``<<: *name``) read as ruamel's safe loader reads them,
with each value still sealed once, where it is written (docs/format.md §1, §6, §7).

The scan (:mod:`sealfile.stores.yaml.scan`) walks every written node once. An alias or a merge puts a *copy* of what the
anchored node holds where the safe loader puts it (ruamel shares one object between the places; a reader here never
does, so an application changing one place does not change another), and records:

- an :class:`Echo` for every leaf the copy holds: the written leaf it repeats and the place of the
  copy, so opening a value fills every place that holds it and a rule sees every path it has;
- a :class:`Copy` from the written path to the place, so an edit at a written path knows every
  other place that changes with it (:func:`mirrors`);
- a seal entry (§7) at the alias's path, ``*`` and the anchored node's written path, or at the
  merging mapping's path, ``<`` and the framed written paths of the merged mappings in order: the
  MAC covers what each alias and merge refers to.

Expansion is bounded: a text of a few lines can alias aliases of aliases (the "billion laughs"), so the values copies
hold are counted before any copy is made, and refused past :data:`EXPANSION_FLOOR` and :data:`EXPANSION_FACTOR` times
the nodes written, or past the node limit (work linear in it). Each copied value also has a path of its own, as long as
it is deep, which every reader builds and walks (its echo, its rule, its line in a diff): a few aliases of a value
nested 90 levels deep would cost 90 times the values they copy, so the keys and indices of the copies' paths are counted
too, and refused past :data:`SEGMENTS_FLOOR` and :data:`EXPANSION_FACTOR` times those of the paths written.
"""

from __future__ import annotations

from collections.abc import Callable

from sealfile.errors import FormatError
from sealfile.model.paths import Path, encode_path, format_keypath
from sealfile.model.rules import RuleMemo
from sealfile.stores.node_limit import max_nodes
from sealfile.stores.yaml.scanned import Leaf, Scan

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any, TypeVar
    T = TypeVar("T")

EXPANSION_FLOOR = 100_000
"""Values aliases and merges may copy in any file (a real file's anchors copy a few hundred)."""
EXPANSION_FACTOR = 10  # ... and in a larger one, this many times the nodes written before the copy
EXPANDS_TOO_MUCH = ("YAML aliases here would expand the file to more than {limit:,} values (an alias bomb?): "
                    "write the values out, or alias fewer times")
SEGMENTS_FLOOR = 1_000_000
"""Keys and indices the paths of copied values may hold in any file (100,000 values 10 levels deep)."""
PATHS_TOO_LONG = ("YAML aliases here would copy values at paths of more than {limit:,} keys and indices in all "
                  "(an alias bomb of deeply nested values?): write the values out, or alias fewer times")

UNFINISHED = "a YAML alias to a node that is not a value written before it (a collection around it, or a key)"
MERGE_VALUE = ("a YAML merge key (<<) takes a mapping, an alias of one, or a list of them (<<: *name, <<: {x: 1}, "
               "<<: [*a, {x: 1}])")

Ref = tuple[int, bytes, bytes]
"""A seal entry of an alias or a merge: ``(number of leaves before it, encoded path, entry bytes)``."""


class Written:
    """A node as written (at its anchor): where, what it built, and the leaves and echoes its walk
    made (contiguous ranges: the walk is depth-first)."""

    __slots__ = ("depths", "echoes", "encoded", "height", "leaves", "path", "size", "value")
    path: Path
    encoded: bytes
    value: Any
    leaves: range
    echoes: range
    size: int
    """Values in its expanded tree (itself included)."""
    height: int
    """Levels of nesting in its expanded tree below it."""
    depths: int
    """The sum over the values of its expanded tree of their depth below it (a copy at a path of
    ``n`` segments holds paths of ``size * n + depths`` segments)."""

    def __init__(self, path: Path, encoded: bytes, value: Any, leaves: range, echoes: range, size: int,
                 height: int, depths: int) -> None:
        self.path, self.encoded, self.value, self.leaves = path, encoded, value, leaves
        self.echoes, self.size, self.height, self.depths = echoes, size, height, depths


class Echo:
    """A written leaf's value held at another place (through an alias or a merge)."""

    __slots__ = ("at", "encoded", "leaf", "parent", "path", "slot")

    def __init__(self, leaf: Leaf, path: Path, encoded: bytes, parent: Any, slot: Any, at: int) -> None:
        self.leaf, self.path, self.encoded, self.parent, self.slot, self.at = leaf, path, encoded, parent, slot, at

    def __repr__(self) -> str:  # never the value
        return f"<Echo {format_keypath(self.path)!r} of {format_keypath(self.leaf.path)!r}>"


class Copy:
    """The node written at ``source`` held again at ``place`` (an alias, or one merged key)."""

    __slots__ = ("key_node", "merged", "place", "source")

    def __init__(self, source: Path, place: Path, *, merged: bool = False, key_node: Any = None) -> None:
        self.source, self.place, self.merged = source, place, merged
        self.key_node = key_node
        """An alias's key node (``None`` in a list): where the alias itself is written."""


class Expansion:
    """What aliases and merges add to a scan: echoes, copies, seal entries, and the bound on them."""

    def __init__(self, leaves: list[Leaf]) -> None:
        self.leaves = leaves
        self.echoes: list[Echo] = []
        self.copies: list[Copy] = []
        self.refs: list[Ref] = []
        self.merges: list[tuple[Path, list[Any], list[Any]]] = []
        """Each mapping with a merge key: its path, the written paths it merges in order (a mapping
        written in the merge key: itself, its path being in no tree), and its own keys in the order written."""
        self.inline: list[Path] = []
        """The written path of each mapping written in a merge key (``<<: {x: 1}``): at no place of the tree."""
        self.written: dict[int, Written] = {}
        """id(node) -> the node as written, for every node walked."""
        self.nodes = 0
        """Nodes written so far."""
        self.expanded = 0
        """Values the tree holds so far (written and copied)."""
        self.segments = 0
        """Keys and indices in the paths of the values written so far."""
        self.expanded_segments = 0
        """... and of the values the tree holds so far (written and copied)."""

    def record(self, scanned: Scan) -> None:
        """Give ``scanned`` what aliases and merges added to it."""
        scanned.echoes, scanned.copies, scanned.refs, scanned.merges = self.echoes, self.copies, self.refs, self.merges

    def written_at(self, path: Path) -> None:
        """Count a node written at ``path``."""
        self.nodes += 1
        self.expanded += 1
        self.segments += len(path)
        self.expanded_segments += len(path)

    def charge(self, copied: list[Written], where: Path) -> None:
        """Count the values of ``copied`` about to be copied to ``where`` (or below it, merged), and
        the segments of their paths there; refuse past the bounds, before any copy is made."""
        self.expanded += sum(written.size for written in copied)
        self.expanded_segments += sum(written.size * len(where) + written.depths for written in copied)
        limit = min(max(EXPANSION_FLOOR, EXPANSION_FACTOR * self.nodes), max_nodes())
        if self.expanded - self.nodes > limit:
            raise FormatError(EXPANDS_TOO_MUCH.format(limit=limit), keypath=format_keypath(where) or None)
        limit = max(SEGMENTS_FLOOR, EXPANSION_FACTOR * self.segments)
        if self.expanded_segments - self.segments > limit:
            raise FormatError(PATHS_TOO_LONG.format(limit=limit), keypath=format_keypath(where) or None)

    def copy(self, written: Written, place: Path, encoded: bytes, parent: Any, slot: Any, key_node: Any) -> Any:
        """A fresh copy of what ``written`` holds, to be put at ``place``, in ``parent[slot]``: every
        leaf it holds gets an echo there."""
        copied = copied_data(written.value)
        cut = len(written.path)
        at = len(self.leaves)
        for leaf, path in self._inside(written):
            inner = path[cut:]
            holder, key = (parent, slot) if not inner else (_at(copied, inner[:-1]), inner[-1])
            self.echoes.append(Echo(leaf, place + inner, encoded + encode_path(inner), holder, key, at))
        self.copies.append(Copy(written.path, place, key_node=key_node))
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
        """Every leaf the expanded tree of ``written`` holds, with its path there, in document order (an
        echo made when ``at`` leaves were written comes after them)."""
        inside: list[tuple[Leaf, Path]] = []
        done = written.leaves.start
        for echo in self.echoes[written.echoes.start:written.echoes.stop]:
            inside += [(leaf, leaf.path) for leaf in self.leaves[done:echo.at]]
            done = max(done, echo.at)
            inside.append((echo.leaf, echo.path))
        inside += [(leaf, leaf.path) for leaf in self.leaves[done:written.leaves.stop]]
        cut = len(written.path)
        inline = [path for path in self.inline if len(path) > cut and path[:cut] == written.path]
        # a value written in a merge key inside it has its place in the tree as that merge's echo
        return [(leaf, path) for leaf, path in inside
                if not any(path[:len(merged)] == merged for merged in inline)] if inline else inside


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


def echoes_of(echoes: list[Echo]) -> dict[int, list[Echo]]:
    """id(leaf) -> the echoes of that leaf."""
    found: dict[int, list[Echo]] = {}
    for echo in echoes:
        found.setdefault(id(echo.leaf), []).append(echo)
    return found


def encrypted_anywhere(encrypts: RuleMemo, leaf: Leaf, echoes: dict[int, list[Echo]]) -> bool:
    """Whether a rule encrypts ``leaf``'s value at any path the tree holds it (§6): where it is
    written, or any place an alias or merge puts it."""
    return any(encrypts.each([leaf, *echoes.get(id(leaf), ())]))


def put_echoes(leaf: Leaf, value: Any, echoes: dict[int, list[Echo]], *, written: bool = False) -> None:
    """A scalar ``value`` (immutable: places may share it) in the place of each echo of ``leaf``
    (``written``: in the leaf's own place too)."""
    if written:
        leaf.parent[leaf.slot] = value
    for echo in echoes.get(id(leaf), ()):
        echo.parent[echo.slot] = value


def names_outside(scanned: Scan, path: Path) -> bool:
    """Whether an alias or merge at or below ``path`` names a node written elsewhere (a merge copies
    nothing when the mapping's own keys replace every merged one, yet its ``<<: *a`` is still written)."""
    return any(copy.place[:len(path)] == path and copy.source[:len(path)] != path for copy in scanned.copies) or any(
        place[:len(path)] == path and any(type(source) is tuple and source[:len(path)] != path for source in sources)
        for place, sources, _own in scanned.merges)


def with_echoes(leaves: list[Leaf], views: list[T], echoes: list[Echo]) -> list[tuple[Path, T]]:
    """``(path, view)`` of every leaf and of every echo, in document order: what is at each path."""
    found = [(leaf.path, view) for leaf, view in zip(leaves, views, strict=True)]
    if not echoes:
        return found
    view_of = {id(leaf): view for leaf, view in zip(leaves, views, strict=True)}
    out: list[tuple[Path, T]] = []
    done = 0
    for echo in echoes:
        out += found[done:echo.at]
        done = max(done, echo.at)
        out.append((echo.path, view_of[id(echo.leaf)]))
    return out + found[done:]


def refuse_plaintext_copies(scanned: Scan, encrypts: Callable[[Path], bool], written: str) -> None:
    """Refuse a value that aliases or merges give several paths, sealed at one (``encrypts``) and not at
    another, about to be ``written`` where each path holds a value of its own (another syntax, a SOPS
    file): its copy would stand there in plaintext."""
    by_leaf = echoes_of(scanned.echoes)
    for leaf in scanned.leaves:
        echoes = by_leaf.get(id(leaf))
        if echoes and not isinstance(leaf.value, (dict, list)):
            paths = [leaf.path, *(echo.path for echo in echoes)]
            flags = [encrypts(path) for path in paths]
            if any(flags) and not all(flags):
                raise FormatError(f"an alias or merge gives this value another path, where the rule encrypts it; "
                                  f"{written} it would stand here in plaintext: widen the rule",
                                  keypath=format_keypath(paths[flags.index(False)]))

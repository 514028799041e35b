"""The usual sealed file, and the usual plaintext, read without a YAML parser: a line scan for block
YAML, giving the same :class:`~.scanned.Scan` as ruamel's parser (:mod:`.parsed`).

A sealed file is mostly ``key: ENC[...]`` lines. ruamel's parser builds a node, two marks and an event for every one
of them, and its resolver runs a Python call per scalar: two thirds of a read's time after start-up, and loading
ruamel itself a quarter of a small command's. This scan reads one strict subset of YAML line by line instead: block
mappings and block lists (compact ``- key: value`` items, and lists at their key's indentation), the values
:mod:`.linevalues` reads (plain, typed and quoted one-liners, literal block scalars), whole-line and trailing
comments, and, in a sealed file, the ``sealfile:`` block last (:mod:`.metalines`). Anything else (folded or chomped
block scalars, flow collections, anchors, tags, directives, several documents, an empty value, escapes, a non-ASCII
or control character, a tab, a duplicate key, a key longer than libyaml takes, a line that continues a value) makes
it return ``None``, and the caller reads the text with ruamel.

Parser nodes, roots and containers are built, by ruamel, only if something asks (a structural edit does; reading,
sealing, rotating and setting a value do not). The suite compares this scan with ruamel's on every text it reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sealfile.model.metadata import METADATA_KEY
from sealfile.model.paths import ListIndex, Path, encode_path
from sealfile.stores.yaml.basics import MAX_IMPLICIT_KEY
from sealfile.stores.yaml.fastleaf import FastLeaf, LazyNodes, set_key_node
from sealfile.stores.yaml.linevalues import line_value, literal_block
from sealfile.stores.yaml.metalines import metadata_lines, read_metadata_block
from sealfile.stores.yaml.plain_tags import STR_TAG, plain_tag
from sealfile.stores.yaml.scanned import Scan, Segments
from sealfile.stores.yaml.spans import next_line

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

_MAX_DEPTH = 50
# group 1 starts a line read; the blank and comment lines before it pass in C (a hostile MB holds a million)
LINE = re.compile(r"(?:^ *(?:#[^\n]*)?\n)*+^( *)(?:(-)( +))?(?:([A-Za-z_][A-Za-z0-9_.\-]*):(?: +|$))?([^\n]*)$", re.M)
_NOTHING = object()
new_leaf = object.__new__
"""A leaf without its ``__init__``'s call: the scan stores what :class:`FastLeaf`'s ``__init__`` would."""
_CONTROLS = [chr(code) for code in (*range(10), *range(11, 32), 127)]
"""The ASCII characters the subset does not hold (a tab, CR or other control): looked for one by one (memchr), a
third of the cost of deleting the printable ones from the text's bytes."""

class FastScan(Scan):
    """A :class:`Scan` whose roots and containers (and leaves' nodes) come from ruamel when first asked for."""

    def __init__(self, text: str, nodes: LazyNodes) -> None:
        self.nodes = nodes
        self._roots: list[Any] | None = None
        self._containers: dict[bytes, tuple[Any, Any]] | None = None
        self._metadata_key_node: Any = None
        self._metadata_node: Any = None
        self._metadata_at = -1  # where the ``sealfile:`` line starts while its nodes are not made yet, else -1
        self.container_starts: dict[bytes, tuple[int, int]] = {}  # encoded path -> where its first entry is, column
        super().__init__(text, None, False, [], leaves=[], containers={})
        self._roots = self._containers = None  # the values above are placeholders: made when asked for

    def metadata_unread(self, start: int, end: int) -> None:
        """The metadata is read (:mod:`.metalines`) from the block's lines ``start:end``; its nodes are made when
        asked for."""
        self._metadata_at = self.block_at = start
        self.block_end = end

    @property
    def has_metadata(self) -> bool:
        return self._metadata_at >= 0 or self._metadata_node is not None

    def _metadata_nodes(self) -> None:
        if self._metadata_at >= 0:
            start, self._metadata_at, metadata = self._metadata_at, -1, self.metadata
            if not read_metadata_block(self, self.text, start, self.nodes.full_scan) or self.metadata != metadata:
                raise AssertionError("the line scan and ruamel's parser read the metadata differently")

    @property
    def metadata_key_node(self) -> Any:
        self._metadata_nodes()
        return self._metadata_key_node

    @metadata_key_node.setter
    def metadata_key_node(self, value: Any) -> None:
        self._metadata_key_node = value

    @property
    def metadata_node(self) -> Any:
        self._metadata_nodes()
        return self._metadata_node

    @metadata_node.setter
    def metadata_node(self, value: Any) -> None:
        self._metadata_node = value

    def container_span(self, path: Path) -> tuple[int, int, int | None]:
        found = self.container_starts.get(encode_path(path))
        if found is None:  # the root: its mapping holds the metadata block too
            return super().container_span(path)
        start, column = found
        end = next(leaf.end for leaf in reversed(self.leaves) if leaf.path[:len(path)] == path)  # never empty
        return start, end if self.text[end - 1] == "\n" else next_line(self.text, end), column

    @property
    def roots(self) -> list[Any]:
        if self._roots is None:
            self._roots = self.nodes.full().roots
        return self._roots

    @roots.setter
    def roots(self, value: list[Any]) -> None:
        self._roots = value

    @property
    def containers(self) -> dict[bytes, tuple[Any, Any]]:
        if self._containers is None:
            self._containers = self.nodes.full().containers
        return self._containers

    @containers.setter
    def containers(self, value: dict[bytes, tuple[Any, Any]]) -> None:
        self._containers = value


def plain_characters(text: str) -> bool:
    """Whether ``text`` holds only the characters the subset holds (ASCII, no tab, CR or other control)."""
    return text.isascii() and not any(map(text.__contains__, _CONTROLS))


def rest_value(text: str, line_end: int, rest: str, column: int, start: int) -> tuple[Any, str | None, int] | None:
    """The value the line scan reads from ``rest``, the rest of a ``key: ...`` line from ``start`` to ``line_end``,
    its key at ``column``: ``(value, style, end of its span)``, or ``None`` outside the subset. :func:`fast_scan`
    reads each line so, inline (tests/stores/yaml/test_fastscan.py compares the two)."""
    if rest[:4] == "ENC[" and rest[-1] == "]" and " " not in rest:
        return rest, None, start + len(rest)
    if rest == "|" or rest == "|-":
        block = literal_block(text, line_end + 1, column, rest == "|")
        return None if block is None else (block[0], "|", block[1])
    found = line_value(rest)
    return None if found is None else (found[0], found[1], start + found[2])


def fast_scan(text: str, full_scan: Callable[[str], Scan]) -> Scan | None:
    """``text`` read by the line scan, or ``None`` when it is not in the subset (see the module).

    ``full_scan``: ruamel's scan, for the nodes when asked for (and a metadata block outside the
    subset :mod:`.metalines` reads)."""
    if not plain_characters(text):
        return None
    nodes = LazyNodes(text, full_scan)
    scanned = FastScan(text, nodes)
    leaves = scanned.leaves
    segments = Segments()
    keys: dict[str, bytes] = {}
    """Each key met that ruamel reads as a string, and its path segment."""
    # the open block collections, innermost last: [column, is_list, container, path, encoded, pending, indentless]
    # pending: the key (or index) of the last entry when it opened a block, else _NOTHING
    stack: list[list[Any]] = []
    metadata_at = -1
    skip_to = 0
    for match in LINE.finditer(text):
        if skip_to and match.start(1) < skip_to:
            continue  # a line of a block scalar
        spaces, dash, gap, key, rest = match.groups()
        if dash is None and key is None and (not rest or rest[0] == "#"):
            continue  # a blank or comment line
        column = len(spaces)
        if not stack:
            if column or dash is not None or key is None:
                return None
            scanned.tree = {}
            stack.append([0, False, scanned.tree, (), b"", _NOTHING, False])
        top = stack[-1]
        if top[5] is not _NOTHING:  # the last entry opened a block: this line starts it
            if column > top[0] and (dash is not None or key is not None):
                indentless = False
            elif column == top[0] and dash is not None and not top[1]:
                indentless = True  # ``key:`` then ``- item`` at the key's own column
            else:
                return None  # an empty value, or a value on the next line
            opened, top[5] = top[5], _NOTHING
            container: Any = [] if dash is not None else {}
            top[2][opened] = container
            top = [column, dash is not None, container, (*top[3], opened), top[4] + keys[opened], _NOTHING,
                   indentless]
            scanned.container_starts[top[4]] = match.start(1) + column, column
            stack.append(top)
            if len(stack) > _MAX_DEPTH:
                return None
        elif top[0] != column or (top[6] and dash is None):
            while stack[-1][0] > column or (stack[-1][6] and stack[-1][0] == column and dash is None):
                stack.pop()
            top = stack[-1]
            if top[0] != column:
                return None
        if top[1]:  # a list: this line is an item
            if dash is None:
                return None
            items = top[2]
            index = len(items)
            path, encoded = (*top[3], ListIndex(index)), top[4] + segments.index(index)
            if key is None:
                found = line_value(rest) if rest else None
                if found is None:
                    return None
                value, style, length = found
                items.append(value)
                start = match.start(5)
                leaf = new_leaf(FastLeaf)  # FastLeaf(...) inlined, as below
                leaf._nodes, leaf.path, leaf.encoded_path, leaf.value, leaf.parent = nodes, path, encoded, value, items
                leaf.slot, leaf.flow, leaf.indent = index, False, column
                leaf.start, leaf.end, leaf.style = start, start + length, style
                set_key_node(leaf, None)
                leaves.append(leaf)
                continue
            mapping: dict[str, Any] = {}
            items.append(mapping)
            column += 1 + len(gap)
            top = [column, False, mapping, path, encoded, _NOTHING, False]
            scanned.container_starts[encoded] = match.start(1) + column, column
            stack.append(top)
            if len(stack) > _MAX_DEPTH:
                return None
        elif dash is not None or key is None:
            return None
        segment = keys.get(key)
        if segment is None:
            if len(key) > MAX_IMPLICIT_KEY or plain_tag(key) != STR_TAG:
                return None
            segment = keys[key] = segments.key(key)
        mapping = top[2]
        if key in mapping:
            return None
        if key == METADATA_KEY and len(stack) == 1:
            metadata_at = match.start(1)
            break
        if not rest or rest[0] == "#":
            top[5] = key
            continue
        start = match.start(5)
        if rest[:4] == "ENC[" and rest[-1] == "]" and " " not in rest:  # most lines of a sealed file
            value, style, end = rest, None, start + len(rest)
        elif rest == "|" or rest == "|-":  # rest_value's reading, inlined: a call a line costs ~1.5 k instructions
            block = literal_block(text, match.end() + 1, column, rest == "|")
            if block is None:
                return None
            (value, end), style = block, "|"
            skip_to = end  # its lines are the value's
        else:
            found = line_value(rest)
            if found is None:
                return None
            value, style, length = found
            end = start + length
        mapping[key] = value
        leaf = new_leaf(FastLeaf)  # FastLeaf(...) inlined: its __init__ call costs ~1.8 k instructions a value
        leaf._nodes, leaf.path, leaf.encoded_path, leaf.value = nodes, (*top[3], key), top[4] + segment, value
        leaf.parent, leaf.slot, leaf.flow, leaf.indent = mapping, key, False, column
        leaf.start, leaf.end, leaf.style = start, end, style
        leaves.append(leaf)
    if not stack or any(entry[5] is not _NOTHING for entry in stack):
        return None
    last = leaves[-1].end if leaves else 0
    if metadata_at < 0:  # a plaintext: the metadata block goes after the last value's line
        scanned.after_data = last if text[last - 1] == "\n" else next_line(text, last)
        return scanned
    metadata = metadata_lines(text, metadata_at)
    if metadata is None:
        return scanned if read_metadata_block(scanned, text, metadata_at, full_scan) else None
    scanned.metadata = metadata[0]
    scanned.metadata_unread(metadata_at, metadata[1])
    return scanned

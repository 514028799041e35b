"""Changing a YAML plaintext's structure by editing its text: set a value or subtree, add keys, remove.

Only the lines of what changes are written (new values spelled by ruamel's emitter, at the
indentation the file uses there); every other byte stays. Key paths resolve as everywhere else
(:func:`sealfile.model.paths.resolve`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ruamel.yaml.nodes import MappingNode, ScalarNode

from sealfile.errors import KeyPathError
from sealfile.model.lines import line_start
from sealfile.model.path_place import built, reach
from sealfile.model.paths import Path, Segment, encode_path, format_keypath, get_at, new_key, resolve
from sealfile.stores.base import line_break
from sealfile.stores.yaml import alias_paths, entries, flow_edit, spans
from sealfile.stores.yaml import scalars as yaml_scalars
from sealfile.stores.yaml.alias_paths import container_changed, kept_anchor, key_changed, refuse_unset, written_for_set
from sealfile.stores.yaml.intended import changed_tree, checked_edit
from sealfile.stores.yaml.layout import Layout, guess_layout
from sealfile.stores.yaml.scan import Scan
from sealfile.stores.yaml.spans import before_blank_lines, entry_end, line_after
from sealfile.stores.yaml.splice import Edit, past_tab_blank_lines

FIRST = object()
"""``after=FIRST``: a new key goes before every other key of its mapping."""


def set_value(text: str, scanned: Scan, keypath: str | Path, value: Any, *, after: Any = None) -> str:
    """``text`` with the value at ``keypath`` (typed, or a typed path) set, as :func:`~sealfile.model.path_place.place`
    places it: missing mappings created, a null on the way made one, a list appended to.

    A new key goes after the key ``after`` of its mapping (:data:`FIRST`: before all), else last."""
    reached, below = reach(scanned.tree, keypath, lambda path: get_at(scanned.tree, path) is None)
    keypath, lists = (keypath, True) if isinstance(keypath, str) else (format_keypath(keypath), False)
    path, missing = written_for_set(scanned, reached, list(below), keypath)
    value = built(missing[1:], value, keypath, lists)
    if missing and scanned.multi and len(path) == 1 and scanned.tree[int(path[0])] is None:
        return _first_in_document(text, scanned, int(path[0]), new_key(missing[0]), value, keypath)
    if missing and path and _container(scanned, path) is None:  # a null: it becomes what a missing key's value would
        value, missing = built(missing[:1], value, keypath, lists), []
    if not missing:
        alias_paths.refuse_replaced_anchors(scanned, path, keypath)
        return _fitting(text, lambda blocks: _replace(text, scanned, path, value, blocks),
                        key_changed(scanned, path, lambda node, key: node.__setitem__(key, value)), keypath)
    container = _container(scanned, path)
    first = new_key(missing[0])
    if not scanned.roots:  # a file with no key yet (empty, comments, '---'): the first key starts it
        return _fitting(text, lambda blocks: entries.first_key(text, first, value, blocks), {first: value}, keypath)
    if container is None:
        raise KeyPathError("a new document cannot be added by a key path", keypath=keypath)
    key: Segment | None = None if container.tag.endswith(":seq") else first
    anchor = _anchor(scanned, path, after) if key is not None and after is not None and len(missing) == 1 else None
    intended = container_changed(scanned, path, lambda node: node.append(value) if key is None
                                 else _insert(node, key, value, after if anchor is not None else None), key)
    return _fitting(text, lambda blocks: _add(text, container, key, value, guess_layout(text), anchor, blocks),
                    intended, keypath)


def _first_in_document(text: str, scanned: Scan, index: int, key: Segment, value: Any, keypath: str) -> str:
    """A stream's document holding no value (empty, comments, ``---``, ``...``) given its first key: at column 0
    where its empty node is (after its comment lines, before the next ``---`` or ``...``), as a file with no key
    yet takes its first; every other document, and every other byte, as it was."""
    place = scanned.roots[index].start_mark.index
    intended = changed_tree(scanned.tree, (), lambda documents: documents.__setitem__(index, {key: value}))
    return _fitting(text, lambda blocks: entries.first_key(text, key, value, blocks, place), intended, keypath)


def _fitting(text: str, edit: Callable[[bool], Edit], intended: Any, keypath: str) -> str:
    """The edit with multi-line strings as literal blocks; where a block would take in the lines
    after it (a comment indented under it), with every string on one line, double-quoted."""
    try:
        return checked_edit(text, edit(True), intended, keypath)
    except KeyPathError:
        return checked_edit(text, edit(False), intended, keypath)


def _insert(mapping: dict[Any, Any], key: Any, value: Any, after: Any) -> None:
    """``key: value`` added to ``mapping`` where :func:`_add` writes it: after the key ``after``,
    first for :data:`FIRST`, last for ``None``."""
    items = list(mapping.items())
    if after is None:
        position = len(items)
    elif after is FIRST:
        position = 0
    else:
        position = next(i + 1 for i, (k, _) in enumerate(items) if type(k) is type(after) and k == after)
    items.insert(position, (key, value))
    mapping.clear()
    mapping.update(items)


def _anchor(scanned: Scan, path: Path, after: Any) -> Any:
    """The key node of ``after`` in the mapping at ``path`` (``FIRST`` itself for before-all), or ``None``."""
    if after is FIRST:
        return FIRST
    try:
        return _node_at(scanned, (*path, after))[1]
    except KeyPathError:
        return None


def remove(text: str, scanned: Scan, keypath: str) -> str:
    path = resolve(scanned.tree, keypath)  # as every other unset resolves it
    if not path:
        raise KeyPathError("no such key", keypath=keypath)
    refuse_unset(scanned, path, keypath)
    parent = _container(scanned, path[:-1])
    if parent is None:
        raise KeyPathError("a whole document cannot be removed by a key path", keypath=keypath)
    if len(parent.value) == 1 and scanned.multi and len(path) == 2:
        edit = _emptied_document(text, parent, *_node_at(scanned, path)[:2], path[-1])
    elif len(parent.value) == 1 and len(path) > 1:  # a nested collection's last entry leaves {} or []
        edit = _replace(text, scanned, path[:-1], {} if isinstance(parent, MappingNode) else [])
    else:
        edit = _remove(text, parent, *_node_at(scanned, path)[:2], path[-1])
    intended = key_changed(scanned, path, lambda node, key: node.__delitem__(key))
    if len(parent.value) > 1:
        return checked_edit(text, edit, intended, keypath)
    try:  # a file's last key goes with its line, the file left with no value...
        return checked_edit(text, edit, intended, keypath)
    except KeyPathError:  # ...unless what stays needs one (a '...' end marker): then it holds {}
        return checked_edit(text, (edit[0], edit[1], "{}\n"), intended, keypath)


def _emptied_document(text: str, parent: Any, node: Any, key_node: Any, slot: Any) -> Edit:
    """The edit removing the last entry of a stream's document: the document stays, holding ``{}`` (so the
    documents after it keep their indices, docs/format.md §7) where the entry's lines were; the comment lines
    around them stay, and a final line break is written only where the entry had one."""
    start, end, written = _remove(text, parent, node, key_node, slot)
    if parent.flow_style:  # its braces stay
        return start, end, written
    ended = text[start:end].endswith(("\n", "\r"))
    return start, end, "{}" + (line_break(text) if ended else "")


def subtree_text(text: str, scanned: Scan, path: Path) -> str:
    """The text of the mapping or list at ``path``, unindented to column 0."""
    start, end, column = scanned.container_span(path)
    if column is None:
        return text[start:end] + line_break(text)
    lines = text[start:end].splitlines(keepends=True)
    return "".join([lines[0], *(line[column:] if line[:column].isspace() else line for line in lines[1:])])


def _node_at(scanned: Scan, path: Path) -> tuple[Any, Any, tuple[int, int]]:
    """``(node, key node or None, its span)`` of the value at ``path``."""
    encoded = encode_path(path)
    found = scanned.containers.get(encoded)
    if found is not None:
        node = found[1]
        return node, found[0], (node.start_mark.index, node.end_mark.index)
    leaf = next((leaf for leaf in scanned.leaves if leaf.encoded_path == encoded), None)
    if leaf is not None:
        return leaf.node, leaf.key_node, (leaf.start, leaf.end)
    return alias_paths.alias_at(scanned, path)


def _container(scanned: Scan, path: Path) -> Any:
    return scanned.containers.get(encode_path(path), (None, None))[1]


def _replace(text: str, scanned: Scan, path: Path, value: Any, blocks: bool = True) -> Edit:
    node, key_node, span = _node_at(scanned, path)
    start, end = span
    if (anchored := kept_anchor(text, node, start, end, value) if scanned.copies else None) is not None:
        return anchored
    flow = _in_flow(scanned, path)
    empty = isinstance(value, (dict, list)) and not value
    single = empty or (not isinstance(value, (dict, list)) and "\n" not in str(value))
    # a value on one line over an inline one (scalar or flow): its own span only (a comment after it is the key's)
    inline = node.flow_style if not isinstance(node, ScalarNode) else not text[start:end].endswith(("\n", "\r"))
    if flow or (single and inline):
        if isinstance(value, (dict, list)):
            return start, end, (" " if start == end else "") + entries.flow(value)
        return yaml_scalars.scalar_edit(text, start, end, value, flow)
    first = _entry_start(text, key_node) if key_node is not None else _dash(text, node)
    start = line_start(text, first)
    column = first - start
    key_text = text[key_node.start_mark.index:key_node.end_mark.index] if key_node is not None else None
    entry = entries.block_entry(key_text, value, column, guess_layout(text), blocks=blocks)
    block = not isinstance(node, ScalarNode) and not node.flow_style
    beside = spans.beside_comment(text, key_node.end_mark.index if key_node is not None else first + 1, *span, block)
    entry = entry.replace("\n", beside + "\n", 1)  # a comment beside the key stays on its line
    if text[start:first].strip():  # on an item's '- ' line: that stays, and the entry follows it
        start, entry = first, entry[column:]
    return start, past_tab_blank_lines(text, before_blank_lines(text, first, line_after(text, node, key_node))), entry


def _in_flow(scanned: Scan, path: Path) -> bool:
    """Whether the value at ``path`` sits inside a flow collection."""
    return any(getattr(_container(scanned, path[:i]), "flow_style", False) for i in range(len(path)))


def _add(text: str, container: Any, key: Segment | None, value: Any, layout: Layout, anchor: Any = None,
         blocks: bool = True) -> Edit:
    if container.flow_style or not container.value:
        return _add_flow(text, container, key, value, anchor)
    first = container.value[0][0] if isinstance(container, MappingNode) else container.value[0]
    if anchor is FIRST:
        position = line_start(text, _entry_start(text, first) if key is not None else first.start_mark.index)
    elif anchor is not None:
        position = entry_end(text, *next((v, k) for k, v in container.value if k is anchor))
    else:
        position = entry_end(text, container)
    entry_start = _entry_start(text, first) if key is not None else _dash(text, first)
    column = entry_start - line_start(text, entry_start)
    # comment lines indented under the entry before are that entry's: a new one follows them
    position = past_tab_blank_lines(text, position if anchor is FIRST else spans.past_comments(text, position, column))
    rendered = entries.block_entry(None if key is None else entries.key_text(key), value, column, layout, blocks=blocks)
    if anchor is FIRST and key is not None and text[position:entry_start].strip():  # on a list item's '- ' line
        return entry_start, entry_start, rendered[column:] + " " * column  # the dash stays; the old first key moves
    if position == len(text) and text and not text.endswith(("\n", "\r")):  # after a block, made |- (the same value)
        return entries.after_the_end(text, container, rendered)
    return position, position, rendered


def _add_flow(text: str, container: Any, key: Segment | None, value: Any, anchor: Any) -> Edit:
    entry = entries.flow_entry(key, value)
    if anchor is FIRST:
        return flow_edit.add_entry(text, container, entry, -1)
    if anchor is not None:
        return flow_edit.add_entry(text, container, entry, next(i for i, (k, _) in enumerate(container.value)
                                                                if k is anchor))
    return flow_edit.add_entry(text, container, entry)


def _remove(text: str, parent: Any, node: Any, key_node: Any, slot: Any) -> Edit:
    if parent.flow_style:
        return flow_edit.remove_entry(text, parent, flow_edit.entry_index(parent, key_node, slot))
    first_start = _entry_start(text, key_node) if key_node is not None else _dash(text, node)
    start = line_start(text, first_start)
    following = _following(text, parent, key_node, slot)
    end = line_after(text, node, key_node)  # its blank lines stay, but not after a |+ they would join
    if spans.keeps_lines_up_to(text, spans.value_before(parent, key_node, slot), start):
        end = spans.past_blank_lines(text, end)  # even those after a value that does not take them in
    else:
        end = before_blank_lines(text, first_start, end)
    end = past_tab_blank_lines(text, end)
    if text[start:first_start].strip() and following is not None:
        # the first entry of an item on its '- ' line: the dash stays and the next entry moves up to it,
        # unless comment lines come first: then the dash stays alone on its line, and they stay
        if "#" in text[end:line_start(text, following)]:
            return text.rfind("-", start, first_start) + 1, end, "\n"
        return first_start, following, ""
    return start, spans.past_comments(text, end, first_start - start), ""


def _following(text: str, parent: Any, key_node: Any, slot: Any) -> int | None:
    """Where the entry after the one of key ``key_node`` (item ``slot`` in a list) starts in the block
    collection ``parent`` (``None``: it is the last). Not found by its node: an alias's is its anchor's."""
    if isinstance(parent, MappingNode):
        keys = [key for key, value in parent.value]
        index = keys.index(key_node) + 1
        return _entry_start(text, keys[index]) if index < len(keys) else None
    index = slot + 1
    return _dash(text, parent.value[index]) if index < len(parent.value) else None


def _entry_start(text: str, key_node: Any) -> int:
    """Where a block mapping's entry starts: at its key, or at the '?' before an explicit key."""
    start = int(key_node.start_mark.index)
    line = line_start(text, start)
    before = text[line:start].rstrip(" \t")
    if before.endswith("?") and before[:-1].strip(" \t-") == "":
        return line + len(before) - 1
    return start


def _dash(text: str, node: Any) -> int:
    """The '-' of the block sequence item ``node``: on its line, or on a line above it (``-`` alone, or
    with a comment) when the item's text starts on the next line."""
    end = int(node.start_mark.index)
    start = line_start(text, end)
    found = text.rfind("-", start, end)
    while found < 0 and start > 0:
        end = start - 1
        start = line_start(text, end)
        comment = _COMMENT.search(text, start, end)
        found = text.rfind("-", start, comment.start() if comment else end)
    return found


_COMMENT = re.compile(r"(?:^|(?<=[ \t]))#", re.MULTILINE)

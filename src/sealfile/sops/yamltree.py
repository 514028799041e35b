"""A SOPS YAML file read into SOPS's tree: ruamel's C event stream, yaml.v3's meanings.

The events come from libyaml (yaml.v3 is a Go port of it); scalars are resolved as yaml.v3
resolves them (:mod:`sealfile.sops.goyaml`). As in SOPS's YAML store, mapping keys keep their
order and duplicates, a ``<<`` key is an ordinary key (SOPS binds merged values to the path
holding ``<<``), aliases are expanded (within a budget: a file must not choose how much work a
reader does), and each document is one branch.

Comments (wanted for display and for the comment-regex rules) are placed in one pass: a
comment line belongs to the innermost open mapping or list whose indentation it shares (where
yaml.v3 attaches it in files SOPS writes), after the collections closing above it and before
the next item; an end-of-line comment goes before the item on its line, as SOPS stores
yaml.v3's line comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    DocumentStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
)

from sealfile.errors import FormatError
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.sops.goyaml import scalar_value
from sealfile.sops.nodes import MAX_DEPTH, Branch, Comment, Item, too_deep
from sealfile.stores.yaml.per_thread import per_thread
from sealfile.stores.yaml.reader import format_error, refuse_deep, refuse_many_nodes

ALIAS_BUDGET = 1_000_000
"""Most values aliases may expand to (a file a few kB long can otherwise ask for billions)."""
PATH_BUDGET = 2_000_000
"""Most keys and indices the paths of the values aliases give may hold in all: each such value has a
path as long as it is deep, which every walk of the tree (its rule, its line in a diff) builds, so
900 aliases of 1,000 values 90 levels deep (23 kB) took a keyless diff 20 s and 1.7 GB."""
_TRAILING = re.compile(r"(?:[ \t]*:)?[ \t]+#(.*)")
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
"""Where libyaml (so ruamel's marks, and yaml.v3) starts a new line: SOPS writes U+2028 and U+2029
raw inside quoted values, and the lines the comments are found on must be the events' lines."""
_AFTER_DASHES = re.compile(r"[ \t]*(?:-[ \t]+)++#")
"""A comment after sequence dashes (``- # note``): SOPS writes one where a list item is a list or
mapping whose comment it kept in plaintext; yaml.v3 gives it to that inner collection."""


@per_thread  # import-sops reads several files at once, in threads
def _parser() -> YAML:
    return YAML(typ="safe", pure=False)


@dataclass(frozen=True)
class _Comment:
    line: int
    column: int
    text: str


@dataclass
class _Frame:
    node: Branch | list[Any]
    path: Path
    column: int | None
    anchor: str | None
    pending: Item | None = None
    """A mapping's item whose key was read and whose value was not yet."""


@dataclass
class _Builder:
    comments: list[_Comment]
    trailing: dict[int, str]
    documents: list[Branch] = field(default_factory=list)
    stack: list[_Frame] = field(default_factory=list)
    anchors: dict[str, Any] = field(default_factory=dict)
    sizes: dict[int, tuple[int, int]] = field(default_factory=dict)
    expanded: int = 0
    segments: int = 0
    next_comment: int = 0
    keys_as_text: bool = False
    """Read a plain key yaml.v3 resolves to another type as its text (a YAML 1.2 reader's string)."""
    dropped: list[tuple[Path, str]] | None = None
    """Where a tag is that SOPS's reader does not keep the meaning of, and the tag, when asked for."""

    def flush(self, before_line: int, min_column: int | None = None) -> None:
        """Place every comment above ``before_line`` in the innermost container at its indentation;
        with ``min_column``, stop at the first comment left of it (it follows the closing collection)."""
        while self.next_comment < len(self.comments) and self.comments[self.next_comment].line < before_line:
            comment = self.comments[self.next_comment]
            if min_column is not None and comment.column < min_column:
                return
            self.next_comment += 1
            frames = [f for f in reversed(self.stack) if f.column is not None]
            target = next((f for f in frames if f.column == comment.column), None)
            target = target or next((f for f in frames if f.column is not None and f.column <= comment.column),
                                    self.stack[-1] if self.stack else None)
            if target is not None:
                _append(target, Comment(comment.text))

    def feed(self, event: Event) -> None:
        line = event.start_mark.line
        if isinstance(event, DocumentStartEvent):
            self.documents.append(Branch())
        elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            self.note_tag(event)
            self.start(event)
            self.flush(line)
        elif isinstance(event, CollectionEndEvent):
            self.flush(line, self.stack[-1].column)
            frame = self.stack.pop()
            self.value(frame.node, frame.anchor, None)
            # a comment left of the enclosing collection too follows it, once it is in its own parent
            self.flush(line, self.stack[-1].column if self.stack else None)
        elif isinstance(event, ScalarEvent):
            self.flush(line)
            self.note_tag(event)
            value = scalar_value(event.value, event.style or None, event.tag)
            if not isinstance(value, str) and self.at_key():
                value = self.key_text(event, value)
            self.value(value, event.anchor, event.end_mark.line)
        elif isinstance(event, AliasEvent):
            self.flush(line)
            self.value(self.alias(event.anchor), None, event.end_mark.line)

    def note_tag(self, event: ScalarEvent | MappingStartEvent | SequenceStartEvent) -> None:
        if self.dropped is None or not event.tag:
            return
        from sealfile.sops.tags import tag_dropped  # import-sops only: the cipher is not every reader's

        if tag_dropped(event):
            self.dropped.append((self.here(event), event.tag))

    def here(self, event: Event) -> Path:
        """The path of the node ``event`` starts (a key's own path for a key)."""
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if not isinstance(frame.node, Branch):
            return (*frame.path, ListIndex(sum(not isinstance(entry, Comment) for entry in frame.node)))
        key = frame.pending.key if frame.pending is not None else getattr(event, "value", "")
        return (*frame.path, str(key))

    def at_key(self) -> bool:
        return bool(self.stack) and isinstance(self.stack[-1].node, Branch) and self.stack[-1].pending is None

    def key_text(self, event: ScalarEvent, value: Any) -> str:
        """A key yaml.v3 reads as a number, boolean, null or time: refused, as SOPS has only string keys,
        naming where it is; or its text, with ``keys_as_text``."""
        if self.keys_as_text and not event.tag:
            return str(event.value)
        where = format_keypath((*self.stack[-1].path, str(event.value)))
        raise FormatError(f"{_a_kind(value)} key to SOPS's YAML reader; SOPS files have only string keys (quote "
                          "it)", keypath=where)

    def start(self, event: MappingStartEvent | SequenceStartEvent) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise too_deep()
        parent = self.stack[-1] if self.stack else None
        if parent is not None and isinstance(parent.node, Branch) and parent.pending is None:
            raise FormatError("SOPS files have only string keys (a mapping or list is used as a key)")
        path = self.here(event)
        node: Branch | list[Any] = Branch() if isinstance(event, MappingStartEvent) else []
        if parent is None and not isinstance(node, Branch):
            raise FormatError("YAML documents that are sequences are not supported by SOPS")
        column = None if event.flow_style else event.start_mark.column
        self.stack.append(_Frame(node, path, column, event.anchor))

    def value(self, value: Any, anchor: str | None, line: int | None) -> None:
        if anchor:
            self.anchors[anchor] = value
        if not self.stack:
            self.document_root(value)
            return
        frame = self.stack[-1]
        if not isinstance(frame.node, Branch):
            frame.node.append(value)
        elif frame.pending is None:
            if not isinstance(value, str):
                raise FormatError(f"SOPS files have only string keys (found {_a_kind(value)} key)")
            frame.pending = Item(value)
            frame.node.append(frame.pending)
        else:
            frame.pending.value = value
            frame.pending = None
        if line is not None and line in self.trailing:
            _insert_before_last(frame.node, Comment(self.trailing.pop(line)))

    def document_root(self, value: Any) -> None:
        if isinstance(value, Branch):
            self.documents[-1].extend(value)
        elif value is not None:
            raise FormatError("YAML documents that are values are not supported by SOPS")

    def alias(self, name: str) -> Any:
        if name not in self.anchors:
            raise FormatError("a YAML alias names no anchor defined before it")
        node = self.anchors[name]
        size, depths = _size(node, self.sizes)
        self.expanded += size
        self.segments += size * len(self.stack) + depths
        if self.expanded > ALIAS_BUDGET:
            raise FormatError(f"YAML aliases expand to more than {ALIAS_BUDGET} values")
        if self.segments > PATH_BUDGET:
            raise FormatError(f"YAML aliases expand to values at paths of more than {PATH_BUDGET} keys and indices "
                              "in all")
        return node


def _a_kind(value: Any) -> str:
    kind = "null" if value is None else type(value).__name__.replace("GoTime", "time")
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _append(frame: _Frame, comment: Comment) -> None:
    node: list[Any] = frame.node
    node.append(Item(comment) if isinstance(frame.node, Branch) else comment)


def _insert_before_last(node: Branch | list[Any], comment: Comment) -> None:
    entry: Any = Item(comment) if isinstance(node, Branch) else comment
    node.insert(max(len(node) - 1, 0), entry)


def _size(node: Any, memo: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """Values in ``node`` once aliases are expanded (shared subtrees are counted once per use), and the
    sum of their depths below it."""
    if not isinstance(node, list):
        return 1, 0
    known = memo.get(id(node))
    if known is None:
        children = (item.value for item in node) if isinstance(node, Branch) else iter(node)
        size = depths = 0
        for child in children:
            inner, below = _size(child, memo)
            size, depths = size + inner, depths + below + inner
        known = memo[id(node)] = (size + 1, depths)
    return known


def _scan_comments(text: str, events: list[Event]) -> tuple[list[_Comment], dict[int, str]]:
    """Comment lines (outside multi-line scalars) and end-of-line comments after scalars."""
    lines = _LINE_BREAK.split(text)
    inside: set[int] = set()
    trailing: dict[int, str] = {}
    for event in events:
        if not isinstance(event, ScalarEvent):
            continue
        first, last = event.start_mark.line, event.end_mark.line
        inside.update(range(first + 1, last + (1 if event.end_mark.column else 0)))
        if event.style not in ("|", ">") and last < len(lines):
            found = _TRAILING.match(lines[last], event.end_mark.column)
            if found:
                trailing[last] = found.group(1)
    comments = []
    for number, line in enumerate(lines):
        stripped = line.lstrip(" \t")
        dashes = None if stripped.startswith("#") else _AFTER_DASHES.match(line)
        if (dashes or stripped.startswith("#")) and number not in inside:
            column = dashes.end() - 1 if dashes else len(line) - len(stripped)
            comments.append(_Comment(number, column, line[column + 1:]))
    return comments, trailing


def read_yaml(text: str, *, comments: bool = False, keys_as_text: bool = False) -> list[Branch]:
    """Every document of ``text`` as a branch; with ``comments``, comment items placed as SOPS does.
    ``keys_as_text``: a plain key yaml.v3 would read as another type (``0X1F``) is its text, as a YAML 1.2
    reader of a sealed file's plaintext reads it (not for a SOPS file, whose reader refuses it)."""
    return _built(text, comments=comments, keys_as_text=keys_as_text).documents


def dropped_tags(text: str) -> list[tuple[Path, str]]:
    """Each tag in the data of a SOPS YAML file (its ``sops`` metadata aside) whose meaning SOPS's reader
    does not keep (:func:`sealfile.sops.tags.tag_dropped`), with its path: paths and tags, never a value."""
    dropped = _built(text, dropped=[]).dropped or []
    return [(path, tag) for path, tag in dropped if path[:1] != ("sops",)]


def _built(text: str, *, comments: bool = False, keys_as_text: bool = False,
           dropped: list[tuple[Path, str]] | None = None) -> _Builder:
    refuse_deep(text, MAX_DEPTH)  # before the C scanner, which slows quadratically with flow depth
    refuse_many_nodes(text)
    try:
        events = list(_parser().parse(text))
    except YAMLError as err:
        raise format_error(err, text) from None
    found, trailing = _scan_comments(text, events) if comments else ([], {})
    builder = _Builder(found, trailing, keys_as_text=keys_as_text, dropped=dropped)
    for event in events:
        builder.feed(event)
    return builder

"""YAML documents as a small model rendered line by line, and edit scripts on that model, for comparing the
merge driver with git's plaintext three-way merge (tests/gitflow/test_merge_against_text.py).

Each entry renders to the same lines whatever happens around it, so an edit changes only its own lines, as a
person editing the plaintext would: ``git merge-file`` on the rendered texts then merges what a team's clones
would merge had the file not been sealed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.support.list_edits import move, shared_edit

WORDS = ["v1", "v2", "12", "true", '"q x"', "'s y'", "v3"]
KEYS = ["a", "b", "c", "db", "user", "token", "host", "port", "0", "1", "x.y"]
"""Keys as people write them, with some that look like list indices or hold a dot (a key path must spell them)."""


@dataclass
class Entry:
    key: str
    kind: str
    """``scalar``, ``block`` (a ``|`` scalar), ``map``, ``list``, ``flow_list``, ``flow_map`` or ``alias``."""
    value: Any
    comment: str | None = None
    anchor: str | None = None
    own_line: bool = False
    """The anchor on a line of its own, above the collection it names."""


@dataclass
class Stream:
    documents: list[list[Entry]] = field(default_factory=list)


def render(stream: Stream) -> str:
    parts = []
    for index, document in enumerate(stream.documents):
        head = "---\n" if index or len(stream.documents) > 1 else ""
        parts.append(head + "".join(_entry(e, 0) for e in document))
    return "".join(parts)


def _entry(e: Entry, indent: int) -> str:
    pad, inner = " " * indent, " " * (indent + 2)
    head = f"{pad}# {e.comment}\n" if e.comment else ""
    prop = f"&{e.anchor} " if e.anchor and not e.own_line else ""
    own = f"{inner}&{e.anchor}\n" if e.anchor and e.own_line else ""
    if e.kind == "scalar":
        return head + f"{pad}{e.key}:{(' ' + prop + e.value).rstrip()}\n"
    if e.kind == "alias":
        return head + f"{pad}{e.key}: *{e.value}\n"
    if e.kind == "block":
        return head + f"{pad}{e.key}: {prop}|\n" + "".join(f"{inner}{line}\n" for line in e.value)
    if e.kind == "flow_list":
        return head + f"{pad}{e.key}: {prop}[{', '.join(e.value)}]\n"
    if e.kind == "flow_map":
        return head + f"{pad}{e.key}: {prop}{{{', '.join(f'{k}: {v}' for k, v in e.value)}}}\n"
    key_line = f"{pad}{e.key}:{(' ' + prop.strip()) if prop else ''}\n"
    if e.kind == "list":
        return head + key_line + own + "".join(f"{inner}- {item}\n" for item in e.value)
    return head + key_line + own + "".join(_entry(child, indent + 2) for child in e.value)


@st.composite
def entries(draw: st.DrawFn, depth: int, anchors: list[str]) -> list[Entry]:
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4, unique=True))
    found = []
    for key in keys:
        kinds = ["scalar", "scalar", "block", "list", "flow_list", "flow_map"] + ["map"] * (depth > 0)
        kinds += ["alias"] * bool(anchors)
        kind = draw(st.sampled_from(kinds))
        value: Any
        if kind == "map":
            value = draw(entries(depth - 1, anchors))
        elif kind == "alias":
            value = draw(st.sampled_from(anchors))
        elif kind == "block":
            value = draw(st.lists(st.sampled_from(["line one", "two", "x: y"]), min_size=1, max_size=2))
        elif kind in ("list", "flow_list"):
            value = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
        elif kind == "flow_map":
            value = [(k, draw(st.sampled_from(WORDS))) for k in draw(st.lists(st.sampled_from("xyz"), min_size=1,
                                                                               max_size=2, unique=True))]
        else:  # "": a null written as nothing after the colon
            value = draw(st.sampled_from([*WORDS, ""]))
        entry = Entry(key, kind, value, comment=draw(st.sampled_from([None, None, "note", "why"])))
        if kind != "alias" and draw(st.integers(0, 4)) == 0:
            entry.anchor = f"a{len(anchors)}"
            entry.own_line = kind in ("map", "list") and draw(st.booleans())
            anchors.append(entry.anchor)
        found.append(entry)
    return found


@st.composite
def streams(draw: st.DrawFn) -> Stream:
    anchors: list[str] = []
    count = draw(st.sampled_from([1, 1, 2, 3]))
    return Stream([draw(entries(2, anchors if count == 1 else [])) for _ in range(count)])


def _maps(stream: Stream) -> list[list[Entry]]:
    """Every mapping's entry list, documents first."""
    found = []
    stack = list(stream.documents)
    while stack:
        entries_ = stack.pop(0)
        found.append(entries_)
        stack.extend(e.value for e in entries_ if e.kind == "map")
    return found


@st.composite
def edited(draw: st.DrawFn, base: Stream, side: str) -> tuple[Stream, list[str]]:
    """``base`` changed by a script of one to three edits, and the script's words (for a failure's report)."""
    stream = copy.deepcopy(base)
    script = []
    for _ in range(draw(st.integers(1, 3))):
        maps = [m for m in _maps(stream) if m]
        edit = draw(st.sampled_from(["set", "set", "unset", "add", "reorder", "move", "comment", "document", "join"]))
        if not maps:
            edit = "add"
        target = draw(st.sampled_from(maps)) if maps else stream.documents[0]
        at = draw(st.integers(0, max(len(target) - 1, 0)))
        word = draw(st.sampled_from([f"{side}1", f"{side}2", "same", f'"{side} q"', f"'{side} s'", ""]))
        if edit == "set" and target[at].kind in ("scalar", "list", "flow_list", "block"):
            entry = target[at]
            if entry.kind == "scalar":
                entry.value = word
            elif entry.kind == "block":
                entry.value = [*entry.value[:-1], word or "v0"]
            else:
                entry.value = [*entry.value[:-1], word or "v0"]
        elif (edited_at := shared_edit(draw, target, edit, at, side, word, keys=[*KEYS, "new", "extra"],
                                       new=lambda key, value: Entry(key, "scalar", value))) is not None:
            at = edited_at
        elif edit == "move":
            move(draw, target, at, _maps(stream), _holds)
        elif edit == "document" and len(stream.documents) > 1:
            index = draw(st.integers(0, len(stream.documents)))
            stream.documents.insert(index, [Entry(draw(st.sampled_from(KEYS)), "scalar", word)])
        elif edit == "join" and len(stream.documents) > 2:  # two neighbours made one (the '---' between deleted)
            at = draw(st.integers(0, len(stream.documents) - 2))
            first, second = stream.documents[at:at + 2]
            if {e.key for e in first} & {e.key for e in second}:
                continue
            stream.documents[at:at + 2] = [first + second]
        else:
            continue
        script.append(f"{edit}@{at}")
    return stream, script


def _holds(entry: Entry, entries_: list[Entry]) -> bool:
    """Whether ``entries_`` is inside ``entry`` (moving a mapping into itself)."""
    if entry.kind != "map":
        return False
    return entry.value is entries_ or any(_holds(child, entries_) for child in entry.value)

"""JSON and dotenv files as small models rendered line by line, and edit scripts on them, for comparing the merge
driver with git's plaintext three-way merge (tests/gitflow/test_merge_against_text_flat.py), as
:mod:`tests.support.merge_scripts` does for YAML.

JSON renders as ``json.dumps(indent=2)`` does, one member a line (so a member added after the last one changes the
line before it too, as it does for people); dotenv one ``KEY=value`` line each, with comments above.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from tests.support.list_edits import move, shared_edit

JSON_WORDS = ['"v1"', '"v2"', "12", "true", "null", '"q x"', '"a?b=1&c=2"', '"\\ud83d\\ude00"', '"*a0"', '"&a0 x"',
              '"\\u00e9"', "[1, \"x\"]", "[]", "1.5e3"]
"""Values as JSON writes them: spellings YAML reads otherwise (surrogate escapes, ``&`` and ``*``, ``1.5e3``)."""
JSON_KEYS = ["a", "b", "db", "user", "token", "0", "x.y", "a b", "&k", "*k", "- k", "#k"]


@dataclass
class Member:
    key: str
    value: Any
    """A JSON spelling (one of :data:`JSON_WORDS`), or a list of members (an object)."""


def render_json(members: list[Member]) -> str:
    return _object(members, 0) + "\n"


def _object(members: list[Member], indent: int) -> str:
    if not members:
        return "{}"
    pad = " " * (indent + 2)
    lines = [f'{pad}"{m.key}": {_object(m.value, indent + 2) if isinstance(m.value, list) else m.value}'
             for m in members]
    return "{\n" + ",\n".join(lines) + "\n" + " " * indent + "}"


@st.composite
def json_members(draw: st.DrawFn, depth: int = 2) -> list[Member]:
    keys = draw(st.lists(st.sampled_from(JSON_KEYS), min_size=1, max_size=4, unique=True))
    return [Member(key, draw(json_members(depth - 1)) if depth and draw(st.integers(0, 3)) == 0
                   else draw(st.sampled_from(JSON_WORDS))) for key in keys]


def _objects(members: list[Member]) -> list[list[Member]]:
    found, stack = [], [members]
    while stack:
        current = stack.pop(0)
        found.append(current)
        stack.extend(m.value for m in current if isinstance(m.value, list))
    return found


def _inside(member: Member, members: list[Member]) -> bool:
    return isinstance(member.value, list) and (member.value is members
                                               or any(_inside(child, members) for child in member.value))


@st.composite
def edited_json(draw: st.DrawFn, base: list[Member], side: str) -> list[Member]:
    """``base`` changed by one to three edits (set, unset, add, reorder, move to another object)."""
    top = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        objects = [o for o in _objects(top) if o]
        target = draw(st.sampled_from(objects)) if objects else top
        at = draw(st.integers(0, max(len(target) - 1, 0)))
        word = draw(st.sampled_from([f'"{side}1"', f'"{side} q&"', '"same"', "null", "7"]))
        edit = draw(st.sampled_from(["set", "set", "unset", "add", "reorder", "move"])) if target else "add"
        if edit == "set" and not isinstance(target[at].value, list):
            target[at].value = word
        elif edit == "move":
            move(draw, target, at, _objects(top), _inside)
        else:
            shared_edit(draw, target, edit, at, side, word, keys=[*JSON_KEYS, "new"], new=Member)
    return top


@st.composite
def json_versions(draw: st.DrawFn) -> tuple[str, str, str]:
    base = draw(json_members())
    return render_json(base), render_json(draw(edited_json(base, "o"))), render_json(draw(edited_json(base, "t")))


ENV_VALUES = ["v1", "'s y'", '"q x"', "a?b=1&c=2", "", "*a0", "&a0", "'#not a comment'", "x # note", '"line\\nnext"']
ENV_KEYS = ["DB_USER", "DB_PASSWORD", "TOKEN", "HOST", "PORT", "A", "B_1"]


@dataclass
class Line:
    key: str
    value: str
    comment: str | None = None
    export: bool = False


def render_env(lines: list[Line]) -> str:
    return "".join((f"# {line.comment}\n" if line.comment else "") + ("export " if line.export else "")
                   + f"{line.key}={line.value}\n" for line in lines)


@st.composite
def env_lines(draw: st.DrawFn) -> list[Line]:
    keys = draw(st.lists(st.sampled_from(ENV_KEYS), min_size=1, max_size=5, unique=True))
    return [Line(key, draw(st.sampled_from(ENV_VALUES)), draw(st.sampled_from([None, None, "note"])),
                 draw(st.integers(0, 4)) == 0) for key in keys]


@st.composite
def edited_env(draw: st.DrawFn, base: list[Line], side: str) -> list[Line]:
    """``base`` changed by one to three edits (set, unset, add, reorder, comment)."""
    lines = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        word = draw(st.sampled_from([f"{side}1", f"'{side} s'", f'"{side} q"', "same", "", f"{side}&x"]))
        edit = draw(st.sampled_from(["set", "set", "unset", "add", "reorder", "comment"])) if lines else "add"
        if edit == "set":
            lines[at].value = word
        else:
            shared_edit(draw, lines, edit, at, side, word, keys=[*ENV_KEYS, "NEW"], new=Line)
    return lines


@st.composite
def env_versions(draw: st.DrawFn) -> tuple[str, str, str]:
    base = draw(env_lines())
    return render_env(base), render_env(draw(edited_env(base, "o"))), render_env(draw(edited_env(base, "t")))

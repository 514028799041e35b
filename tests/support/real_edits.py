"""Edits a person makes to a real file in ``sealfile edit``, as text: change a value, add a key at the end of a
nested mapping, delete a key, add a comment line, append a list item, rename a key, turn a value into a multi-line
one, swap two keys; and the mistakes: text the format cannot read, a key written twice.

Each edit is tried at candidate lines of the file in order; the first result the format's real reader (ruamel
round-trip for YAML, ``json`` with duplicate detection, python-dotenv's parser) reads as intended is the edit:
valid for the edits, refused for the mistakes. ``None``: the file has no place for that edit."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

from dotenv.parser import parse_stream
from ruamel.yaml import YAML

EDITS = ["change", "add_nested", "delete", "comment", "append_item", "rename", "multiline", "swap", "unchanged"]
MISTAKES = ["invalid", "duplicate"]

Lines = list[str]
Edit = Callable[[Lines, int], Lines | None]  # the file's lines (with their line breaks), a candidate line

_YAML = re.compile(r"^( *)([A-Za-z_][\w-]*):( +)([A-Za-z0-9_/.:@+=-][^#\r\n]*?)(\r?\n)?$")
_YAML_ITEM = re.compile(r"^( *)- ([A-Za-z0-9_/.:@+=-][^#:\r\n]*?)(\r?\n)?$")
_FLOW = re.compile(r"^( *[\w\"-]+\"?: \[[^\[\]#]*[^\[\]#\s])(\][^\r\n]*\r?\n?)$")
_JSON = re.compile(r'^(\s*)"([^"\\]+)": ("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)(,?)(\r?\n)?$')
_JSON_ITEM = re.compile(r'^(\s*)("(?:[^"\\]|\\.)*"|-?\d+)(\r?\n)?$')
_DOTENV = re.compile(r"^(export +)?([A-Za-z_][A-Za-z0-9_.]*)=(.*?)(\r?\n)?$")
SIMPLE = {"yaml": _YAML, "json": _JSON, "dotenv": _DOTENV}


def _eol(lines: Lines, at: int) -> str:
    line = lines[at] if at < len(lines) else lines[-1]
    return "\r\n" if line.endswith("\r\n") else "\n"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _next_content(lines: Lines, at: int) -> str | None:
    """The next line after ``at`` that is neither blank nor a comment."""
    for line in lines[at + 1:]:
        if line.strip() and not line.lstrip().startswith("#"):
            return line
    return None


def _ended(lines: Lines) -> Lines:
    """``lines`` with a line break after the last (a line is added after it)."""
    if lines and not lines[-1].endswith("\n"):
        return [*lines[:-1], lines[-1] + _eol(lines, 0)]
    return lines


def _yaml_edits() -> dict[str, Edit]:
    def simple(lines: Lines, at: int) -> re.Match[str] | None:
        return _YAML.match(lines[at])

    def last_in_block(lines: Lines, at: int) -> bool:
        following = _next_content(lines, at)
        return following is None or _indent(following) < _indent(lines[at]) or following.startswith("---")

    def change(lines: Lines, at: int) -> Lines | None:
        if not (m := simple(lines, at)):
            return None
        return [*lines[:at], f"{m[1]}{m[2]}:{m[3]}changed-by-review{m[5] or ''}", *lines[at + 1:]]

    def add_nested(lines: Lines, at: int) -> Lines | None:
        if not (m := simple(lines, at)) or not m[1] or not last_in_block(lines, at):
            return None
        lines = _ended(lines)
        return [*lines[:at + 1], f"{m[1]}added_key: added value{_eol(lines, at)}", *lines[at + 1:]]

    def delete(lines: Lines, at: int) -> Lines | None:
        following = _next_content(lines, at)
        if not simple(lines, at) or following is None or _indent(following) != _indent(lines[at]):
            return None
        return [*lines[:at], *lines[at + 1:]]

    def comment(lines: Lines, at: int) -> Lines | None:
        if not (m := simple(lines, at)):
            return None
        return [*lines[:at], f"{m[1]}# reviewed: keep in step with the service{_eol(lines, at)}", *lines[at:]]

    def append_item(lines: Lines, at: int) -> Lines | None:
        if flow := _FLOW.match(lines[at]):  # an item after the last of a list written on one line
            return [*lines[:at], f"{flow[1]}, appended-item{flow[2]}", *lines[at + 1:]]
        m = _YAML_ITEM.match(lines[at])
        following = _next_content(lines, at)
        if not m or (following is not None and following.startswith(f"{m[1]}- ")):
            return None
        lines = _ended(lines)
        return [*lines[:at + 1], f"{m[1]}- appended-item{_eol(lines, at)}", *lines[at + 1:]]

    def rename(lines: Lines, at: int) -> Lines | None:
        if not (m := simple(lines, at)):
            return None
        return [*lines[:at], lines[at].replace(f"{m[2]}:", f"{m[2]}_renamed:", 1), *lines[at + 1:]]

    def multiline(lines: Lines, at: int) -> Lines | None:
        if not (m := simple(lines, at)):
            return None
        eol, inner = _eol(lines, at), m[1] + "  "
        return [*lines[:at], f"{m[1]}{m[2]}: |{eol}{inner}first line{eol}{inner}second line{m[5] or ''}",
                *lines[at + 1:]]

    def duplicate(lines: Lines, at: int) -> Lines | None:
        if not simple(lines, at):
            return None
        return [*_ended(lines)[:at + 1], _ended(lines)[at], *lines[at + 1:]]

    def invalid(lines: Lines, at: int) -> Lines | None:
        if not (m := simple(lines, at)):
            return None
        return [*lines[:at], f"{m[1]}{m[2]}: [unclosed{m[5] or ''}", *lines[at + 1:]]

    return {"change": change, "add_nested": add_nested, "delete": delete, "comment": comment,
            "append_item": append_item, "rename": rename, "multiline": multiline, "swap": _swap("yaml"),
            "duplicate": duplicate, "invalid": invalid}


def _swap(store: str) -> Edit:
    def swap(lines: Lines, at: int) -> Lines | None:
        if at + 1 >= len(lines) or not lines[at + 1].endswith("\n"):
            return None
        first, second = SIMPLE[store].match(lines[at]), SIMPLE[store].match(lines[at + 1])
        if not first or not second or first[1] != second[1] or (store == "json" and not second[4]):
            return None
        return [*lines[:at], lines[at + 1], lines[at], *lines[at + 2:]]
    return swap


def _json_edits() -> dict[str, Edit]:
    def replaced(lines: Lines, at: int, line: str) -> Lines:
        return [*lines[:at], line, *lines[at + 1:]]

    def value(new: str) -> Edit:
        def edit(lines: Lines, at: int) -> Lines | None:
            m = _JSON.match(lines[at])
            return replaced(lines, at, f'{m[1]}"{m[2]}": {new}{m[4]}{m[5] or ""}') if m else None
        return edit

    def add_nested(lines: Lines, at: int) -> Lines | None:
        m = _JSON.match(lines[at])
        if not m or m[4] or len(m[1]) <= _indent(lines[0]) + 2:
            return None
        eol = _eol(lines, at)
        return [*lines[:at], f"{lines[at].rstrip(chr(13) + chr(10))},{eol}",
                f'{m[1]}"added_key": "added value"{m[5] or ""}', *lines[at + 1:]]

    def delete(lines: Lines, at: int) -> Lines | None:
        m = _JSON.match(lines[at])
        return [*lines[:at], *lines[at + 1:]] if m and m[4] else None

    def append_item(lines: Lines, at: int) -> Lines | None:
        if flow := _FLOW.match(lines[at].lstrip("\t")):  # an item after the last of a list written on one line
            tabs = lines[at][:len(lines[at]) - len(lines[at].lstrip("\t"))]
            return [*lines[:at], f'{tabs}{flow[1]}, "appended-item"{flow[2]}', *lines[at + 1:]]
        m = _JSON_ITEM.match(lines[at])
        if not m:
            return None
        return [*lines[:at], f"{m[1]}{m[2]},{_eol(lines, at)}", f'{m[1]}"appended-item"{m[3] or ""}', *lines[at + 1:]]

    def rename(lines: Lines, at: int) -> Lines | None:
        m = _JSON.match(lines[at])
        return replaced(lines, at, lines[at].replace(f'"{m[2]}":', f'"{m[2]}_renamed":', 1)) if m else None

    def duplicate(lines: Lines, at: int) -> Lines | None:
        m = _JSON.match(lines[at])
        return [*lines[:at + 1], lines[at], *lines[at + 1:]] if m and m[4] else None

    def invalid(lines: Lines, at: int) -> Lines | None:
        m = _JSON.match(lines[at])
        return replaced(lines, at, f'{m[1]}"{m[2]}": {m[3]}{m[5] or ""}') if m and m[4] else None

    return {"change": value('"changed-by-review"'), "add_nested": add_nested, "delete": delete,
            "append_item": append_item, "rename": rename, "multiline": value('"first line\\nsecond line"'),
            "swap": _swap("json"), "duplicate": duplicate, "invalid": invalid}


def _dotenv_edits() -> dict[str, Edit]:
    def match(lines: Lines, at: int) -> re.Match[str] | None:
        return _DOTENV.match(lines[at])

    def with_value(new: str) -> Edit:
        def edit(lines: Lines, at: int) -> Lines | None:
            m = match(lines, at)
            return [*lines[:at], f"{m[1] or ''}{m[2]}={new}{m[4] or ''}", *lines[at + 1:]] if m else None
        return edit

    def add_nested(lines: Lines, at: int) -> Lines | None:  # dotenv has no nesting: a new name after the last
        if not match(lines, at) or any(match(lines, later) for later in range(at + 1, len(lines))):
            return None
        lines = _ended(lines)
        return [*lines[:at + 1], f"ADDED_KEY=added-value{_eol(lines, at)}", *lines[at + 1:]]

    def delete(lines: Lines, at: int) -> Lines | None:
        return [*lines[:at], *lines[at + 1:]] if match(lines, at) else None

    def comment(lines: Lines, at: int) -> Lines | None:
        return [*lines[:at], f"# reviewed: keep in step{_eol(lines, at)}", *lines[at:]] if match(lines, at) else None

    def rename(lines: Lines, at: int) -> Lines | None:
        m = match(lines, at)
        return [*lines[:at], lines[at].replace(f"{m[2]}=", f"{m[2]}_RENAMED=", 1), *lines[at + 1:]] if m else None

    def duplicate(lines: Lines, at: int) -> Lines | None:
        return [*_ended(lines)[:at + 1], _ended(lines)[at], *lines[at + 1:]] if match(lines, at) else None

    return {"change": with_value("changed-by-review"), "add_nested": add_nested, "delete": delete,
            "comment": comment, "rename": rename, "multiline": with_value('"first line\nsecond line"'),
            "swap": _swap("dotenv"), "duplicate": duplicate, "invalid": with_value('"unclosed')}


def _read_yaml(text: str) -> Any:
    return list(YAML(typ="rt", pure=True).load_all(text))


def _read_json(text: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({key for key, _ in pairs}) != len(pairs):
            raise ValueError("duplicate key")
        return dict(pairs)
    return json.loads(text.removeprefix("\ufeff"), object_pairs_hook=no_duplicates)


def _read_dotenv(text: str) -> Any:
    bindings = list(parse_stream(StringIO(text.removeprefix("\ufeff"))))
    names = [b.key for b in bindings if b.key is not None]
    if any(b.error for b in bindings) or len(set(names)) != len(names):
        raise ValueError("not dotenv")
    return {b.key: b.value for b in bindings if b.key is not None}


READERS: dict[str, Callable[[str], Any]] = {"yaml": _read_yaml, "json": _read_json, "dotenv": _read_dotenv}
_EDITS = {"yaml": _yaml_edits(), "json": _json_edits(), "dotenv": _dotenv_edits()}


def _reads(store: str, text: str) -> bool:
    try:
        READERS[store](text)
    except Exception:  # any reader error: "does not read"
        return False
    return True


_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*\s*(#.*)?$")


def _in_block_scalars(lines: Lines) -> set[int]:
    """The lines inside YAML block scalars (``key: |`` ...): text of one value, not keys to edit."""
    inside: set[int] = set()
    header: int | None = None
    for at, line in enumerate(lines):
        if header is not None and (not line.strip() or _indent(line) > header):
            inside.add(at)
            continue
        header = _indent(line) if _BLOCK_HEADER.search(line.rstrip("\r\n")) else None
    return inside


def _candidates(lines: Lines) -> Iterator[int]:
    """Line numbers from the middle outwards: an edit in the body of a file, not at its first line."""
    middle = len(lines) // 2
    for step in range(len(lines)):
        yield from (at for at in {middle + step, middle - step - 1} if 0 <= at < len(lines))


def edited(store: str, text: str, edit: str) -> str | None:
    """``text`` with ``edit`` made at the first line where the real reader takes it as meant, or None."""
    if edit == "unchanged":
        return text
    make = _EDITS[store].get(edit)
    if make is None:
        return None
    lines = text.splitlines(keepends=True)
    inside = _in_block_scalars(lines) if store == "yaml" else set()
    for at in (at for at in _candidates(lines) if at not in inside):
        result = make(lines, at)
        if result is not None and "".join(result) != text:
            new = "".join(result)
            if _reads(store, new) == (edit not in MISTAKES):
                return new
    return None

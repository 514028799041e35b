"""The key-path syntax users type: ``a.b.0.c``, ``["a"]["b"][0]["c"]``, or a mix (``a.b[0].c``).

Parsing only; :mod:`sealfile.model.paths` resolves the selectors against a document, where a
dotted segment may name a string, integer or boolean key or a list index, and a bracketed one
names exactly one type.
"""

from __future__ import annotations

import json
from typing import Literal

from sealfile.errors import KeyPathError
from sealfile.model.lazy_pattern import compiled_when_used
from sealfile.model.record import Record


class Selector(Record):
    """One segment of a typed key path: ``dotted`` text, or a bracketed string, integer or boolean."""

    __slots__ = ("kind", "value")
    _fields = ("kind", "value")
    kind: Literal["dotted", "str", "int", "bool"]
    value: str | int | bool

    def __init__(self, kind: Literal["dotted", "str", "int", "bool"], value: str | int | bool) -> None:
        self._fill(kind, value)


KeyPath = tuple[Selector, ...]


_bracket = compiled_when_used(r'\[\s*("(?:[^"\\]|\\.)*"|-?\d+|true|false)\s*\]')
_dotted = compiled_when_used(r"[^.\[\]]+")


def parse_keypath(text: str) -> KeyPath:
    """Parse ``a.b.0.c``, ``["a"]["b"][0]["c"]`` or a mix (``a.b[0].c``, ``hosts[0]``, ``a["x.y"]``);
    :class:`KeyPathError` if it is none of these. A key holding ``.``, ``[`` or ``]`` is written in brackets."""
    text = text.strip()
    if not text:
        raise KeyPathError("empty key path")
    selectors: list[Selector] = []
    pos, need_name = 0, not text.startswith("[")
    while pos < len(text) or need_name:
        if need_name:
            match = _dotted().match(text, pos)
            if not match:
                raise KeyPathError(f"cannot parse key path {text!r}: empty segment")
            selectors.append(Selector("dotted", match.group(0)))
            pos, need_name = match.end(), False
        elif text[pos] == ".":
            pos, need_name = pos + 1, True
        else:
            selector, pos = _bracketed(text, pos)
            selectors.append(selector)
    for selector in selectors:
        _refuse_unwritable(selector, text)
    return tuple(selectors)


def _refuse_unwritable(selector: Selector, text: str) -> None:
    """A key holding a lone surrogate (``["\\ud800"]``, or bytes that are not UTF-8 in an argument) is
    one no file can hold: UTF-8 cannot encode it."""
    if isinstance(selector.value, str):
        try:
            selector.value.encode("utf-8")
        except UnicodeEncodeError:
            raise KeyPathError("a key holding a lone surrogate (or bytes that are not UTF-8) is not text: no file "
                               "can hold it", keypath=text) from None


def _bracketed(text: str, pos: int) -> tuple[Selector, int]:
    """The ``["key"]``, ``[1]`` or ``[true]`` selector at ``pos``, and where it ends."""
    match = _bracket().match(text, pos)
    if not match:
        raise KeyPathError(f"cannot parse key path {text!r} at position {pos}")
    try:  # a key may hold control characters; a bad escape or a 5,000-digit index is the user's error
        value = json.loads(match.group(1), strict=False)
    except ValueError:
        raise KeyPathError(f"cannot parse key path {text!r} at position {pos}") from None
    kind: Literal["str", "int", "bool"] = (
        "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "str")
    return Selector(kind, value), match.end()

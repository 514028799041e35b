"""The key-path syntax users type: ``a.b.0.c``, ``["a"]["b"][0]["c"]``, or a mix (``a.b[0].c``).

A bracketed key is a JSON string, or single-quoted as ``sops --extract`` also takes it (``['a']``: the text up to
the first ``'`` that the closing bracket follows, no escapes), so a script written for sops reads the same value.

Parsing only; :mod:`sealfile.model.paths` resolves the selectors against a document, where a
dotted segment may name a string, integer or boolean key or a list index, and a bracketed one
names exactly one type.
"""

from __future__ import annotations

from functools import cache

from sealfile.errors import KeyPathError
from sealfile.model.lazy_pattern import compiled_when_used
from sealfile.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    import json
    from typing import Literal


class Selector(Record):
    """One segment of a typed key path: ``dotted`` text, or a bracketed string, integer or boolean."""

    __slots__ = ("kind", "value")
    _fields = ("kind", "value")
    kind: Literal["dotted", "str", "int", "bool"]
    value: str | int | bool

    def __init__(self, kind: Literal["dotted", "str", "int", "bool"], value: str | int | bool) -> None:
        self._fill(kind, value)


KeyPath = tuple[Selector, ...]


@cache
def _json() -> json.JSONDecoder:
    """A bracket's selector is JSON (a key may hold control characters); read by ``json``'s C scanner, as a
    regular expression compiled on each start would cost more than the parse (``set`` and ``--extract``).
    Made on first use: ``json`` (its six expressions) is not loaded by a command that parses no key path."""
    import json

    return json.JSONDecoder(strict=False)


_SELECTOR_FIRST = frozenset('"-0123456789tf')
_bare_bracket = compiled_when_used(r"\[([^\[\]\"'\s]+)\]")
"""``[password]``: a bracket holding a bare name, as jq-like and templating tools write it."""


class _Unparsable(KeyPathError):
    """Text that follows no key-path spelling (a lone surrogate in a key is refused otherwise)."""


def parse_keypath(text: str) -> KeyPath:
    """Parse ``a.b.0.c``, ``["a"]["b"][0]["c"]`` or a mix (``a.b[0].c``, ``hosts[0]``, ``a["x.y"]``, ``['a']``);
    :class:`KeyPathError` if it is none of these, ending with how to write it. A key holding ``.``, ``[`` or ``]``
    is written in brackets."""
    try:
        return _parse(text)
    except _Unparsable as err:
        raise KeyPathError(f"{err.message}; {_spelling_hint(text)}") from None


def _spelling_hint(text: str) -> str:
    """``write PATH`` for a spelling another tool uses (jq's leading ``.``, a trailing ``.``, a bracket without
    quotes) when the rewritten text parses; else the two spellings."""
    import json

    meant = _bare_bracket().sub(lambda m: m[0] if m[1].lstrip("-").isdecimal() else json.dumps([m[1]]),
                              text.strip())
    meant = meant[1:] if meant.startswith(".") and not meant.startswith("..") else meant
    meant = meant[:-1] if meant.endswith(".") and not meant.endswith("..") else meant
    try:
        _parse(meant)
    except KeyPathError:
        return 'key paths are written a.b.0 or ["a"]["b"][0]'
    return f"write {meant}"


def _parse(text: str) -> KeyPath:
    text = text.strip()
    if not text:
        raise KeyPathError("empty key path")
    selectors: list[Selector] = []
    pos, need_name = 0, not text.startswith("[")
    while pos < len(text) or need_name:
        if need_name:
            end = min([found for found in map(text.find, ".[]", (pos,) * 3) if found >= 0], default=len(text))
            if end == pos:
                raise _Unparsable(f"cannot parse key path {text!r}: empty segment")
            selectors.append(Selector("dotted", text[pos:end]))
            pos, need_name = end, False
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
    """The ``["key"]``, ``['key']``, ``[1]`` or ``[true]`` selector at ``pos`` (spaces allowed inside the
    brackets), and where it ends: a JSON string, a single-quoted one, an integer (no fraction, no exponent) or
    a boolean."""
    value: object = None
    end = pos
    if text[pos] == "[":
        start = _after_spaces(text, pos + 1)
        if text[start:start + 1] == "'":
            value, end = _single_quoted(text, start)
        elif text[start:start + 1] in _SELECTOR_FIRST:  # no list or object: nothing nested to read
            try:  # a bad escape or a 5,000-digit index is the user's error
                value, end = _json().raw_decode(text, start)
            except ValueError:
                value = None
        end = _after_spaces(text, end)
    if not isinstance(value, (str, int)) or text[end:end + 1] != "]":  # bool is an int
        raise _Unparsable(f"cannot parse key path {text!r} at position {pos}")
    kind: Literal["str", "int", "bool"] = (
        "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "str")
    return Selector(kind, value), end + 1


def _single_quoted(text: str, start: int) -> tuple[str | None, int]:
    """The key quoted at ``start`` up to the first ``'`` that only spaces part from a ``]`` (``['it's']`` is
    ``it's``, as sops reads it), and where it ends; ``None`` with no such quote."""
    close = text.find("'", start + 1)
    while close >= 0:
        after = _after_spaces(text, close + 1)
        if text[after:after + 1] == "]":
            return text[start + 1:close], close + 1
        close = text.find("'", close + 1)
    return None, start


def _after_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos

"""One value of the line scan (:mod:`.fastscan`), as ruamel's safe constructor builds it under YAML 1.2:
a plain one-line scalar (a string, ``true``/``false``, a null, a decimal integer or a decimal fraction),
a one-line quoted string (single quotes, or double quotes with nothing to unescape), or a literal block
scalar (``|``, ``|-``) whose lines are all written and more indented than its key. Anything else gives
``None`` and ruamel reads the text; the test suite compares the two on every text it reads.
"""

from __future__ import annotations

import re

from sealfile.stores.yaml.plain_tags import INDICATORS, STR_TAG, TYPED_FIRST, plain_tag

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any
    Value = tuple[Any, "str | None", int]

_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL_TAG = "tag:yaml.org,2002:null"
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,17})\Z")
_FRACTION = re.compile(r"[-+]?[0-9]{1,15}\.[0-9]{1,15}\Z")
_AFTER_QUOTE = re.compile(r"(?: +(?:#.*)?)?\Z")
"""What may follow a closing quote on its line: nothing, or spaces and maybe a comment."""

"""``(value, style, length of its spelling on the line)``; style ``None`` for plain."""


def line_value(rest: str) -> Value | None:
    """The value that starts ``rest`` (the rest of a ``key: ...`` or ``- ...`` line), or ``None``."""
    first = rest[0]
    if first == " ":  # the value starts after the spaces that follow its indicator
        return None
    if first == "'" or first == '"':
        return _quoted(rest, first)
    comment = rest.find(" #")
    plain = (rest if comment < 0 else rest[:comment]).rstrip(" ")
    if (not plain or (plain[0] in INDICATORS and not (first == "-" and plain[1:2].isdigit()))  # -3: a number
            or plain[-1] == ":" or ": " in plain):
        return None
    if plain[0] not in TYPED_FIRST:
        return plain, None, len(plain)
    if _DECIMAL.match(plain):  # no float, bool or null row matches digits alone: the int row is the first that does
        return int(plain), None, len(plain)
    tag = plain_tag(plain)
    if tag == STR_TAG:
        return plain, None, len(plain)
    if tag == _NULL_TAG:
        return None, None, len(plain)
    if plain in _BOOLS:
        return _BOOLS[plain], None, len(plain)
    if _FRACTION.match(plain) and tag == "tag:yaml.org,2002:float":
        return float(plain), None, len(plain)
    return None


def _quoted(rest: str, quote: str) -> Value | None:
    if quote == '"':
        end = rest.find('"', 1)
        if end < 0 or "\\" in rest[1:end]:
            return None
        inner = rest[1:end]
    else:
        end = rest.find("'", 1)
        while end >= 0 and rest.startswith("'", end + 1):  # '' stands for one quote
            end = rest.find("'", end + 2)
        if end < 0:
            return None
        inner = rest[1:end].replace("''", "'")
    if not _AFTER_QUOTE.match(rest, end + 1):
        return None
    return inner, quote, end + 1


def literal_block(text: str, start: int, column: int, keep_break: bool) -> tuple[str, int] | None:
    """A literal block scalar's value and where its span ends (the start of the line after its last
    line), its lines starting at ``start``, its key at ``column``; ``None`` for a blank line in or
    right after it, an empty block, or a last line without a line break (chomping decides those)."""
    body: list[str] = []
    indent = -1
    position = start
    while position < len(text):
        line_end = text.find("\n", position)
        if line_end < 0:
            return None
        line = text[position:line_end]
        stripped = line.lstrip(" ")
        if not stripped:
            return None
        spaces = len(line) - len(stripped)
        if indent < 0:
            if spaces <= column:
                return None
            indent = spaces
        elif spaces < indent:
            break
        body.append(line[indent:])
        position = line_end + 1
    if not body:
        return None
    return "\n".join(body) + ("\n" if keep_break else ""), position

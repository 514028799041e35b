"""JSON files (``*.enc.json``): order and types kept, duplicate keys refused, indentation kept.

JSON has no comments or quoting styles to keep; the only layout is the indentation, read from
the file so a one-value change is a one-line diff.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sealfile.errors import FormatError
from sealfile.stores.base import SUFFIXES, Store

# A code point of a UTF-16 surrogate: JSON's "\ud800" escapes decode to one when not part of a pair.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise FormatError("invalid JSON: duplicate key")
        if _LONE_SURROGATE.search(key):
            raise FormatError(f"invalid JSON: the key {key!a} holds a lone surrogate, which is not text")
        if _holds_lone_surrogate(value):  # the value is never shown, only its key
            raise FormatError(f"invalid JSON: the value of {key!a} holds a lone surrogate, which is not text")
        result[key] = value
    return result


def _holds_lone_surrogate(value: Any) -> bool:
    """In a string, or a string inside lists (a mapping's own strings were checked when it was built)."""
    if isinstance(value, str):
        return _LONE_SURROGATE.search(value) is not None
    return isinstance(value, list) and any(_holds_lone_surrogate(item) for item in value)


def _refuse_constant(name: str) -> Any:
    raise FormatError(f"invalid JSON: {name} is not allowed")


class JsonStore(Store):
    name = "json"
    suffixes = SUFFIXES["json"]

    def load_editable(self, text: str) -> Any:
        try:
            return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
        except json.JSONDecodeError as err:
            # err.msg never quotes the input; lineno/colno say where
            raise FormatError(f"invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}") from None
        except RecursionError:
            raise FormatError("nesting too deep to parse") from None
        except FormatError:
            raise
        except ValueError:  # e.g. an integer longer than Python converts (4300 digits); never quote it
            raise FormatError("invalid JSON: a value cannot be read (a number too long?)") from None

    load_fast = load_editable

    def dump(self, document: Any, like: str | None = None) -> str:
        return json.dumps(document, indent=_indent(like), ensure_ascii=False) + "\n"


def _indent(text: str | None) -> int | None:
    if text is None:
        return 2
    if "\n" not in text.strip():
        return None if text.strip() else 2
    match = re.search(r"\n( +)\S", text)
    return len(match.group(1)) if match else 2

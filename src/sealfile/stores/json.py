"""JSON files (``*.enc.json``): the user's text kept byte for byte, duplicate keys refused.

Sealing and opening splice values into the text they came from (:mod:`sealfile.stores.json_layout`):
spacing, indentation, key order and escapes stay as written, and a value spelled otherwise than
sealfile would write it (``1.50``, ``1e3``, ``"\u00e9"``) has its spelling recorded in its token.
A number too large for a 64-bit float is refused: other JSON readers disagree on what it is.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.lines import line_column, line_number
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.model.scalars import Styled
from sealfile.stores import json_layout, json_spans
from sealfile.stores.base import BOM, SUFFIXES, Store, dominant_line_break, has_lone_surrogate  # "\ud800" reads as one
from sealfile.stores.node_limit import refuse_many_json_nodes


def strict_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as sealfile reads one (``object_pairs_hook``): a duplicate key or a lone surrogate refused."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey("duplicate key")
        if has_lone_surrogate(key):
            raise FormatError(f"invalid JSON: the key {key!a} holds a lone surrogate, which is not text")
        if _holds_lone_surrogate(value):  # the value is never shown, only its key
            raise FormatError(f"invalid JSON: the value of {key!a} holds a lone surrogate, which is not text")
        result[key] = value
    return result


class _DuplicateKey(FormatError):
    """Named with its place by :func:`_duplicate_at`, which the hook raising it cannot know."""


def _duplicate_at(text: str) -> tuple[str | None, str]:
    """The key path of the first member whose key its mapping had already, and its line."""
    root = json_spans.layout(text)
    stack: list[tuple[Path, json_spans.Node]] = [((), root)] if root is not None else []
    while stack:
        path, node = stack.pop()
        children: list[tuple[Path, json_spans.Node]] = []
        for key, key_start, _, child in node.members or []:
            if any(key == earlier[-1] for earlier, _ in children):
                return format_keypath((*path, key)), f" at line {line_number(text, key_start)}"
            children.append(((*path, key), child))
        children += [((*path, ListIndex(index)), item) for index, item in enumerate(node.items or [])]
        stack.extend(reversed(children))
    return None, ""


def _not_json(text: str, at: int) -> str:
    """What a JSON-like file holds there that JSON has not: JSONC's comments and trailing commas
    (tsconfig.json, VS Code's settings), which Python's message names only as a missing name."""
    if text.startswith(("//", "/*"), at):
        return " (a comment: JSON has none; is this JSONC?)"
    # Python before 3.13 points after the comma, 3.13 at it
    if (text[at:at + 1] in ("}", "]") and text[:at].rstrip().endswith(",")) or (
            text[at:at + 1] == "," and text[at + 1:].lstrip()[:1] in ("}", "]")):
        return " (a comma before the end: JSON allows none; is this JSONC?)"
    return ""


def _holds_lone_surrogate(value: Any) -> bool:
    """In a string, or a string inside lists (a mapping's own strings were checked when it was built)."""
    if isinstance(value, str):
        return has_lone_surrogate(value)
    return isinstance(value, list) and any(_holds_lone_surrogate(item) for item in value)


def _refuse_constant(name: str) -> Any:
    raise FormatError(f"invalid JSON: {name} is not allowed")


class JsonStore(Store):
    name = "json"
    suffixes = SUFFIXES["json"]

    def load_editable(self, text: str) -> Any:
        refuse_many_json_nodes(text)
        try:
            tree = json.loads(text.removeprefix(BOM), object_pairs_hook=strict_object,
                              parse_constant=_refuse_constant)
        except json.JSONDecodeError as err:
            # err.msg never quotes the input; lineno/colno say where
            raise FormatError(f"invalid JSON at {line_column(err.doc, err.pos)}: {err.msg}"
                              f"{_not_json(err.doc, err.pos)}") from None
        except RecursionError:
            raise FormatError("nesting too deep to parse") from None
        except _DuplicateKey as err:
            keypath, line = _duplicate_at(text)
            raise FormatError(f"invalid JSON{line}: {err.message}", keypath=keypath) from None
        except FormatError:
            raise
        except ValueError:  # e.g. an integer longer than Python converts (4300 digits); never quote it
            raise FormatError("invalid JSON: a value cannot be read (a number too long?)") from None
        beyond = non_finite_path(tree)  # a number literal reads as infinity: never quote it
        if beyond is not None:
            raise FormatError("invalid JSON: a number is too large for a 64-bit float (Go and jq read it otherwise)",
                              keypath=beyond)
        return tree

    load_fast = load_editable

    def dump(self, document: Any, like: str | None = None) -> str:
        if like is not None:
            root = json_spans.layout(like)
            if root is not None and root.members is not None:
                try:
                    spliced = json_layout.splice(like, root, document, json_layout.indent_unit(like))
                except (ValueError, TypeError):  # a value JSON cannot hold: named below
                    spliced = None
                if spliced is not None and _reads_as(spliced, document):
                    return spliced
        return self.dump_part(document, like)

    def dump_part(self, value: Any, like: str | None) -> str:
        unit = json_layout.indent_unit(like) if like is not None and like.strip() else "  "
        try:
            newline = dominant_line_break(like or "")  # the file's own, when written afresh over it
            return json_layout.fresh(value, unit, newline=newline) + newline
        except (ValueError, TypeError):  # a file sealed before such values were refused, or forged
            unfit = self.first_unfit(value, document=True) or ((), "JSON cannot hold one of the values")
            raise FormatError(unfit[1], keypath=format_keypath(unfit[0]) or None) from None

    def unfit(self, value: Any, key: bool = False) -> str | None:
        value = value.value if isinstance(value, json_layout.Spelled) else value
        if key and not isinstance(value, str):
            return f"JSON keys are strings, not {self.kind(value)} (quote the key)"
        if isinstance(value, float) and not math.isfinite(value):
            return "JSON cannot hold NaN or infinity"
        if isinstance(value, (dt.date, bytes)):  # YAML's dates and !!binary: text in JSON, so give them as text
            return f"JSON has no {self.kind(value)} values (give it as a string)"
        return super().unfit(value, key)

    def write_scalar(self, scalar: Styled, spelling: str | None = None) -> Any:
        return scalar.value if spelling is None else json_layout.Spelled(scalar.value, spelling)

    def spellings(self, text: str) -> dict[Path, str]:
        root = json_spans.layout(text)
        found: dict[Path, str] = {}
        if root is not None:
            _collect_spellings(text, root, (), found)
        return found


def _collect_spellings(text: str, node: json_spans.Node, path: Path, found: dict[Path, str]) -> None:
    if node.members is not None:
        for key, _, _, child in node.members:
            _collect_spellings(text, child, (*path, key), found)
    elif node.items is not None:
        for index, item in enumerate(node.items):
            _collect_spellings(text, item, (*path, ListIndex(index)), found)
    else:
        spelling = text[node.start:node.end]
        if json_layout.spelled_otherwise(spelling):
            found[path] = spelling


def _reads_as(text: str, document: Any) -> bool:
    """Whether ``text`` holds ``document`` exactly: equal canonical JSON (types, key order and all)."""
    try:
        return json_layout.canonical(json.loads(text.removeprefix(BOM))) == json_layout.canonical(document)
    except ValueError:
        return False


def non_finite_path(tree: Any) -> str | None:
    """The key path of the first NaN or infinity in ``tree`` (a walk without recursion: any depth)."""
    stack: list[tuple[Path, Any]] = [((), tree)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, json_layout.Spelled):
            node = node.value
        if isinstance(node, float) and not math.isfinite(node):
            return format_keypath(path)
        if isinstance(node, dict):
            stack.extend(reversed([((*path, key), child) for key, child in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([((*path, ListIndex(index)), child) for index, child in enumerate(node)]))
    return None

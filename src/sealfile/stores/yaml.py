"""YAML 1.2 as ruamel.yaml reads it, on every path.

Two readers with one meaning: the round-trip reader keeps comments, order and quoting for
writes; the C-backed safe reader (ruamel's own ``CParser`` with its YAML 1.2 resolver) is for
read-only paths. Parse errors report line and column but never the offending text, which in a
plaintext file may be a secret.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from sealfile.envelope.paths import format_keypath, iter_leaves
from sealfile.errors import FormatError

MAX_DEPTH_MESSAGE = "nesting too deep to parse"


@cache
def _roundtrip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 30  # never fold a long ENC[...] value onto a second line
    return yaml


@cache
def _safe() -> YAML:
    return YAML(typ="safe", pure=False)


def _format_error(err: YAMLError) -> FormatError:
    if isinstance(err, MarkedYAMLError) and err.problem_mark is not None:
        where = f"line {err.problem_mark.line + 1}, column {err.problem_mark.column + 1}"
        if isinstance(err, DuplicateKeyError):
            return FormatError(f"invalid YAML at {where}: duplicate key")  # ruamel's text quotes the values
        problem = (err.problem or "syntax error").split("\n")[0]
        return FormatError(f"invalid YAML at {where}: {problem}")
    return FormatError("invalid YAML")


def load_roundtrip(text: str) -> Any:
    """Parse for editing: comments, order, quoting kept. Refuses anchors and custom tags."""
    try:
        document = _roundtrip().load(text)
    except YAMLError as err:
        raise _format_error(err) from None
    except RecursionError:
        raise FormatError(MAX_DEPTH_MESSAGE) from None
    _refuse_anchors_and_tags(document)
    return document


def load_fast(text: str) -> Any:
    """Parse for reading only: plain dicts and lists, C speed, same YAML 1.2 meaning."""
    try:
        return _safe().load(text)
    except YAMLError as err:
        raise _format_error(err) from None
    except RecursionError:
        raise FormatError(MAX_DEPTH_MESSAGE) from None


def _refuse_anchors_and_tags(document: Any) -> None:
    nodes: list[Any] = [document]
    if isinstance(document, (CommentedMap, CommentedSeq)):
        for path, value in iter_leaves(document):
            nodes.append(value)
            if isinstance(value, TaggedScalar):
                raise FormatError(f"custom YAML tag {value.tag.value} is not supported", keypath=format_keypath(path))
            anchor = getattr(value, "anchor", None)
            if anchor is not None and getattr(anchor, "value", None):
                raise FormatError("YAML anchors and aliases are not supported", keypath=format_keypath(path))
    for node in _containers(document):
        if node.anchor.value:
            raise FormatError("YAML anchors and aliases are not supported")
        if node.tag.value and not node.tag.value.startswith("tag:yaml.org,2002:"):
            raise FormatError(f"custom YAML tag {node.tag.value} is not supported")


def _containers(document: Any) -> list[Any]:
    found, stack = [], [document]
    while stack:
        node = stack.pop()
        if isinstance(node, (CommentedMap, CommentedSeq)):
            found.append(node)
            stack.extend(node.values() if isinstance(node, CommentedMap) else node)
    return found


def dump_roundtrip(document: Any) -> str:
    stream = io.StringIO()
    _roundtrip().dump(document, stream)
    return stream.getvalue()


_STYLED = {
    '"': DoubleQuotedScalarString,
    "'": SingleQuotedScalarString,
    "|": LiteralScalarString,
    ">": FoldedScalarString,
}


def styled(value: Any, style: str | None) -> Any:
    """A decrypted string in the quoting or block style it was written with."""
    cls = _STYLED.get(style or "")
    return cls(value) if cls is not None and isinstance(value, str) else value


def literal(text: str) -> Any:
    """A multi-line metadata string (an armored age file) as a readable block scalar."""
    return LiteralScalarString(text) if "\n" in text else text

"""The round-trip YAML reader and writer: comments, order, quoting and null spellings kept.

The same YAML 1.2 meaning as the fast reader (:mod:`sealfile.stores.yaml.reader`); this module
also turns ruamel's styled scalars into the format's neutral :class:`~sealfile.model.scalars.Styled`
values and back, so nothing outside the YAML store names a ruamel type.
"""

from __future__ import annotations

import io
import math
import re
from functools import cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.scalarfloat import ScalarFloat
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from sealfile.errors import FormatError
from sealfile.model.paths import format_keypath, iter_leaves
from sealfile.model.scalars import Styled, is_sealed
from sealfile.stores.yaml.layout import Layout
from sealfile.stores.yaml.reader import MAX_DEPTH_MESSAGE, check_depth, format_error, reader_for

_DEFAULT_LAYOUT = Layout()


@cache
def _roundtrip(layout: Layout = _DEFAULT_LAYOUT) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 30  # never fold a long ENC[...] value onto a second line
    yaml.indent(mapping=layout.mapping, sequence=layout.sequence, offset=layout.offset)
    return yaml


def load_roundtrip(text: str) -> Any:
    """Parse for editing: comments, order, quoting kept. Refuses anchors and custom tags."""
    check_depth(text)
    reader = reader_for(text, _roundtrip())
    try:
        document = reader.load(text)
    except YAMLError as err:
        raise format_error(err) from None
    except RecursionError:
        raise FormatError(MAX_DEPTH_MESSAGE) from None
    except ValueError:  # e.g. an integer longer than Python converts (4300 digits); never quote it
        raise FormatError("invalid YAML: a value cannot be read (a number too long?)") from None
    _refuse_anchors_and_tags(document)
    _untag_standard_scalars(document)
    _keep_null_spellings(document, text)
    return document


_CONTAINER_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("map", "seq", "omap", "set")}
_TAG_REFUSED = "custom YAML tags are not supported (quote a value that starts with '!')"


_STANDARD_SCALARS: dict[str, Any] = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
}


def _untag_standard_scalars(document: Any) -> None:
    """``!!str 12`` is just the string "12": keep the value (the safe reader does the same)."""
    for node in _containers(document):
        slots = node.items() if isinstance(node, CommentedMap) else enumerate(node)
        for key, value in list(slots):
            convert = _STANDARD_SCALARS.get(value.tag.value) if isinstance(value, TaggedScalar) else None
            if convert is None:
                continue
            try:
                plain = convert(value.value)
            except ValueError:
                raise FormatError(f"not a valid {value.tag.value.rsplit(':', 1)[-1]}") from None
            if isinstance(node, CommentedMap):
                dict.__setitem__(node, key, plain)
            else:
                list.__setitem__(node, key, plain)


def _refuse_anchors_and_tags(document: Any) -> None:
    nodes: list[Any] = [document]
    if isinstance(document, (CommentedMap, CommentedSeq)):
        for path, value in iter_leaves(document):
            nodes.append(value)
            if isinstance(value, TaggedScalar) and value.tag.value not in _STANDARD_SCALARS:
                raise FormatError(_TAG_REFUSED, keypath=format_keypath(path))  # the tag may be an unquoted secret
            anchor = getattr(value, "anchor", None)
            if anchor is not None and getattr(anchor, "value", None):
                raise FormatError("YAML anchors and aliases are not supported", keypath=format_keypath(path))
    for node in _containers(document):
        if node.anchor.value:
            raise FormatError("YAML anchors and aliases are not supported")
        if node.tag.value and node.tag.value not in _CONTAINER_TAGS:  # !!python/object/apply:... too
            raise FormatError(_TAG_REFUSED)


def _containers(document: Any) -> list[Any]:
    """Every mapping and sequence once; a container met twice is an alias (a bomb, maybe): refused."""
    found, stack, seen = [], [document], set()
    while stack:
        node = stack.pop()
        if isinstance(node, (CommentedMap, CommentedSeq)):
            if id(node) in seen:
                raise FormatError("YAML anchors and aliases are not supported")
            seen.add(id(node))
            found.append(node)
            stack.extend(node.values() if isinstance(node, CommentedMap) else node)
    return found


class SpelledNull:
    """A null that remembers how it was written (``null``, ``~``...), so rewriting keeps it."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, SpelledNull)

    def __hash__(self) -> int:
        return hash(None)

    def __repr__(self) -> str:
        return f"SpelledNull({self.text!r})"


_NULL_SPELLING = re.compile(r"(null|Null|NULL|~)(?=[ \t]*(?:#|$|,|\}|\]))")


def _keep_null_spellings(document: Any, text: str) -> None:
    """ruamel writes every null back as an empty value; keep ``null``/``~`` as written."""
    lines = text.splitlines()
    for node in _containers(document):
        slots = node.items() if isinstance(node, CommentedMap) else enumerate(node)
        for key, value in list(slots):
            if value is not None:
                continue
            line, column = node.lc.value(key) if isinstance(node, CommentedMap) else node.lc.item(key)
            match = _NULL_SPELLING.match(lines[line], column) if line < len(lines) else None
            if match:
                node[key] = SpelledNull(match.group(1))


def _represent_spelled_null(representer: RoundTripRepresenter, data: SpelledNull) -> ScalarNode:
    return representer.represent_scalar("tag:yaml.org,2002:null", data.text)


RoundTripRepresenter.add_representer(SpelledNull, _represent_spelled_null)


def _represent_float(representer: RoundTripRepresenter, data: ScalarFloat) -> ScalarNode:
    """ruamel re-spells a float from its parts and can lose a digit (1.1887518879447826e+142 came
    back ...825e+142): keep its spelling only when it reads back as the same number."""
    node: ScalarNode = representer.represent_scalar_float(data)
    value = float(data)
    try:
        same = math.isnan(value) or math.isinf(value) or float(node.value) == value
    except ValueError:
        same = False
    return node if same else representer.represent_scalar("tag:yaml.org,2002:float", repr(value))


RoundTripRepresenter.add_representer(ScalarFloat, _represent_float)


def keep_comment_gaps(document: Any, source: str) -> None:
    """Keep the spaces between a sealed value and its end-of-line comment as they were.

    ruamel remembers a comment's column, so after a value got longer (a plaintext replaced by
    its ``ENC[...]`` token) it can only put one space before the comment. Moving the column by
    the value's new length keeps the user's gap, so a later decrypt gives the original line.
    """
    lines = source.splitlines()
    for node in _containers(document):
        is_map = isinstance(node, CommentedMap)
        for key, entry in list(node.ca.items.items()):
            token = entry[2] if is_map else entry[0]
            value = node.get(key) if is_map else (node[key] if isinstance(key, int) and key < len(node) else None)
            if token is None or getattr(token, "start_mark", None) is None or not is_sealed(value):
                continue
            line, column = token.start_mark.line, token.start_mark.column
            try:
                value_line, value_column = node.lc.value(key) if is_map else node.lc.item(key)
            except (KeyError, IndexError, TypeError):
                continue
            if value_line != line or line >= len(lines):
                continue
            gap = column - len(lines[line][:column].rstrip())
            token.column = value_column + len(str(value)) + max(gap, 1)


def dump_roundtrip(document: Any, layout: Layout | None = None) -> str:
    stream = io.StringIO()
    _roundtrip(layout or Layout()).dump(document, stream)
    return stream.getvalue()


_STYLED = {
    '"': DoubleQuotedScalarString,
    "'": SingleQuotedScalarString,
    "|": LiteralScalarString,
    ">": FoldedScalarString,
}
_STYLE_OF = {cls: style for style, cls in _STYLED.items()}


def to_node(scalar: Styled) -> Any:
    """A neutral scalar as the round-trip writer should emit it (quoting, block style, null spelling)."""
    value, style = scalar.value, scalar.style
    if value is None:
        return SpelledNull(style) if style else None
    cls = _STYLED.get(style or "")
    return cls(value) if cls is not None and isinstance(value, str) else value


def from_node(value: Any) -> Styled:
    """A scalar from a round-trip tree as a neutral value: plain Python type plus its style."""
    if isinstance(value, str):
        return Styled(str(value), _STYLE_OF.get(type(value)))
    if isinstance(value, SpelledNull):
        return Styled(None, value.text)
    if isinstance(value, (bool, ScalarBoolean)):
        return Styled(bool(value))
    if isinstance(value, int):  # ScalarInt: hex, octal, underscores
        return Styled(int(value))
    if isinstance(value, float):
        return Styled(float(value))
    return Styled(value)


def literal(text: str) -> Any:
    """A multi-line metadata string (an armored age file) as a readable block scalar."""
    return LiteralScalarString(text) if "\n" in text else text

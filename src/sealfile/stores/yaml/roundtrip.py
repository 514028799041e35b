"""ruamel's round-trip emitter, for YAML sealfile writes afresh (another syntax converted to YAML).

A YAML file is never re-emitted: it is read by :mod:`~sealfile.stores.yaml.scan` and changed by
splicing its text. This module also turns the format's neutral :class:`~sealfile.model.scalars.Styled`
values into ruamel's styled scalars and back, so nothing outside the YAML store names a ruamel type.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from sealfile.model.scalars import Styled
from sealfile.stores.yaml.integers import limit_integers
from sealfile.stores.yaml.layout import Layout
from sealfile.stores.yaml.per_thread import per_thread
from sealfile.stores.yaml.plain_tags import STR_TAG, plain_tag, plain_tag_11
from sealfile.stores.yaml.reader import READ_APART

_DEFAULT_LAYOUT = Layout()


@per_thread
def _roundtrip(layout: Layout = _DEFAULT_LAYOUT) -> YAML:
    yaml = limit_integers(YAML(typ="rt"))
    yaml.preserve_quotes = True
    yaml.width = 1 << 30  # never fold a long ENC[...] value onto a second line
    yaml.indent(mapping=layout.mapping, sequence=layout.sequence, offset=layout.offset)
    return yaml


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


def _represent_spelled_null(representer: RoundTripRepresenter, data: SpelledNull) -> ScalarNode:
    return representer.represent_scalar("tag:yaml.org,2002:null", data.text)


RoundTripRepresenter.add_representer(SpelledNull, _represent_spelled_null)
# Another store's mapping (a dotenv file's, sealed as YAML with --output-type) is a mapping here too.
RoundTripRepresenter.add_multi_representer(dict, RoundTripRepresenter.represent_dict)


def dump_roundtrip(document: Any, layout: Layout | None = None) -> str:
    stream = io.StringIO()
    _roundtrip(layout or Layout()).dump(_quoted_for_yaml_11(document), stream)
    return stream.getvalue()


def _quoted_for_yaml_11(node: Any) -> Any:
    """A copy of ``node`` with every plain string (a key too) that YAML 1.1 readers take for another
    type (``yes``, ``on``, ``n``, ``12:30``) double-quoted: ruamel's emitter quotes for YAML 1.2 only.
    So is every string holding a character parsers read apart (:data:`READ_APART`), in any style: the
    emitter writes one raw in single quotes or a block, where the escape (``\\N``) means it to all."""
    if isinstance(node, dict):
        copy = type(node)()
        for key, value in node.items():
            copy[_quoted_for_yaml_11(key)] = _quoted_for_yaml_11(value)
        return copy
    if isinstance(node, list):
        return type(node)(_quoted_for_yaml_11(item) for item in node)
    if type(node) is str and plain_tag_11(node) != STR_TAG and plain_tag(node) == STR_TAG:
        return DoubleQuotedScalarString(node)
    if isinstance(node, str) and not node.isascii() and type(node) is not DoubleQuotedScalarString \
            and any(char in node for char in READ_APART):
        return DoubleQuotedScalarString(node)
    return node


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

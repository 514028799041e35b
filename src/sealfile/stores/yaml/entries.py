"""New YAML text for ``set``: keys, flow values and block entries as ruamel's emitter writes them,
in the styles sealfile writes (so YAML 1.1 readers read the same values)."""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter

from sealfile.model.paths import Segment
from sealfile.stores.yaml import scalars as yaml_scalars
from sealfile.stores.yaml.basics import MAX_IMPLICIT_KEY
from sealfile.stores.yaml.layout import Layout, guess_layout
from sealfile.stores.yaml.scalars import scalar_text as scalar_text
from sealfile.stores.yaml.spans import first_key_place


class _SpelledFloat(float):
    """A float the emitter writes as :func:`~.scalars.float_text` spells it (a dot, a signed exponent),
    not as ruamel spells it (``1e-07``, a string to YAML 1.1 readers)."""


RoundTripRepresenter.add_representer(
    _SpelledFloat, lambda representer, value: representer.represent_scalar(
        "tag:yaml.org,2002:float", yaml_scalars.float_text(value)))


def key_text(key: Segment, *, flow: bool = False) -> str:
    """``key`` as written in block context, or inside a flow collection (where more must be quoted: ``?x``)."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    return scalar_text(key, flow=flow)


def flow_entry(key: Segment | None, value: Any) -> str:
    """``key: value`` (or ``value``) inside a flow collection."""
    if key is None:
        return flow(value)
    written = key_text(key, flow=True)
    return f"{'? ' if len(written) > MAX_IMPLICIT_KEY else ''}{written}: {flow(value)}"


def flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key_text(k, flow=True)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    return scalar_text(value, flow=True)


def block_entry(key_text: str | None, value: Any, column: int, layout: Layout, *, blocks: bool = True) -> str:
    """``key: value`` (or ``- value``) as block lines at ``column``, ending with a line break."""
    yaml = YAML(typ="rt")
    yaml.width = 1 << 30
    yaml.indent(mapping=layout.mapping, sequence=layout.sequence, offset=layout.offset)
    stream = io.StringIO()
    marker = "sealfile_new_key_marker"  # a plain key the emitter writes as is, then swapped for the real one
    styled = _literal(value, blocks)
    yaml.dump([styled] if key_text is None else {marker: styled}, stream)
    lines = stream.getvalue().splitlines(keepends=True)
    if key_text is not None and len(key_text) > MAX_IMPLICIT_KEY:  # no YAML reader takes it implicit
        lines[:1] = ["? " + key_text + "\n", lines[0][len(marker):]]
    elif key_text is not None:
        lines[0] = key_text + lines[0][len(marker):]
    else:  # the emitter indents its own dash by the offset; here the dash goes at ``column`` itself
        offset = " " * (len(lines[0]) - len(lines[0].lstrip(" ")))
        lines = [line[len(offset):] if line.startswith(offset) else line for line in lines]
    pad = " " * column
    return "".join(pad + line if line.strip() else line for line in lines)


def first_key(text: str, key: Segment, value: Any, blocks: bool, place: int | None = None) -> tuple[int, int, str]:
    """The edit that adds ``key: value`` at column 0 to a text that holds no key yet (where the
    metadata block goes too: :func:`~sealfile.stores.yaml.spans.first_key_place`), or at ``place``, the start of
    a line (or the text's end) inside a stream's document that holds none."""
    rendered = block_entry(key_text(key), value, 0, guess_layout(text), blocks=blocks)
    place = first_key_place(text) if place is None else place
    if place == len(text) and text and not text.endswith(("\n", "\r")):  # a CR alone ends a line too
        return place, place, "\n" + rendered.rstrip("\n")
    return place, place, rendered


def _literal(value: Any, blocks: bool) -> Any:
    """``value`` with the styles sealfile writes: a multi-line string as a literal block, a string
    that cannot be plain (or that YAML 1.1 readers would read as ``on`` → true) double-quoted."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    if isinstance(value, dict):
        return {_literal(key, blocks) if isinstance(key, str) else key: _literal(item, blocks)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_literal(item, blocks) for item in value]
    if type(value) is float:
        return _SpelledFloat(value)
    if blocks and isinstance(value, str) and "\n" in value and value[:1] not in (" ", "\n"):
        return LiteralScalarString(value)
    if isinstance(value, str) and not yaml_scalars.plain_ok(value, flow=False):
        return DoubleQuotedScalarString(value)
    return value


_HEADER = re.compile(r"(?<![^ \t])[|>]([1-9]?)\+?([1-9]?)(?=[ \t]*(?:#[^\r\n]*)?[\r\n])")
"""A block scalar's header but for a strip indicator (after its tag or anchor), on a line of its own."""


def after_the_end(text: str, container: Any, rendered: str) -> tuple[int, int, str]:
    """A new entry after the last line of a text without a final line break. Where a ``|`` or ``>``
    block whose value has no final line break ends the text (``|``, ``|+``), the break before the entry
    would become its value's last (``x`` read as ``x\\n``), so the block is written ``|-`` (the same
    value) in the same edit."""
    node = container
    while node.value and not isinstance(node, ScalarNode):
        node = node.value[-1][1] if isinstance(node, MappingNode) else node.value[-1]
    start = node.start_mark.index
    line_end = min(i for i in (text.find("\n", start), text.find("\r", start), len(text)) if i >= 0)
    header = _HEADER.search(text, start, line_end + 1) if isinstance(node, ScalarNode) else None
    if header is None or node.style not in ("|", ">") or node.value.endswith("\n"):
        return len(text), len(text), "\n" + rendered.rstrip("\n")
    stripped = text[header.start()] + header.group(1) + header.group(2) + "-"
    return header.start(), len(text), stripped + text[header.end():] + "\n" + rendered.rstrip("\n")

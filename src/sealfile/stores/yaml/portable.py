"""YAML text that a YAML 1.1 reader (PyYAML, Go's yaml.v2, older tools) reads as the same data.

Why: ``decrypt`` prints the file's own text, and what ``load_secrets`` returns is YAML 1.2 as
ruamel reads it; but the output is piped into tools that read YAML 1.1, where a plain ``yes``,
``on`` or ``n`` is a boolean, ``12:30`` is 750 (base 60), ``012`` is 10 (octal), ``0o12`` or
``1e3`` stay strings, and a time's fraction beyond microseconds is cut where ruamel rounds it (refused by
the reader, :mod:`.integers`, unless its last digits are zeros). So
every plain scalar whose YAML 1.1 reading could differ is re-spelled with the same YAML 1.2 meaning:
a string double-quoted (as is one holding a tab, where PyYAML stops reading), an integer in plain
decimal, a float with a dot and a signed exponent, a time as ruamel reads it (to the microsecond).
Everything else (layout, comments, quoted and block scalars, every document of a stream) is left as
it is, and the result is checked to hold the very same data as the input before it is used. A tab that
separates tokens (before a comment, after a value, around ``:`` or ``,``) becomes a space: libyaml reads
it as one, and PyYAML's pure-Python scanner, which takes only spaces there, stops at it. Where a tab
separates is the scanner's to say (a ``#`` after a tab may be a comment or a scalar's text), never a pattern's.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tokens import AnchorToken

from sealfile.errors import FormatError
from sealfile.stores.yaml.basics import split_bom
from sealfile.stores.yaml.engines import engine_yaml, tag_text
from sealfile.stores.yaml.integers import FinerThanMicroseconds, finer_than_microseconds
from sealfile.stores.yaml.plain_tags import plain_tag_11
from sealfile.stores.yaml.scalars import double_quoted, double_quoted_any, float_text

_TAG = "tag:yaml.org,2002:"
_YAML_11 = VersionedResolver(version=(1, 1))
_YAML_12 = VersionedResolver(version=(1, 2))
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+][0-9]+)?\Z|[-+]?\.(?:inf|Inf|INF)\Z|\.(?:nan|NaN|NAN)\Z")
_ANCHOR = re.compile(r"&[^\s,\[\]{}]+\s+")
_TAG_OR_ANCHOR = re.compile(r"(?:[&!][^\s,\[\]{}]*[ \t]+)*+(?=[^\s!&])")
_SAME_IN_BOTH = {_TAG + "bool", _TAG + "null"}
# A fraction of a second beyond microseconds (zeros: the reader refuses any other digit there), respelled.
# Looked for in the whole text: a time may hold spaces, which no token of _TOKEN does.
_SUB_MICROSECOND = re.compile(r"\.[0-9]{7}")


# Where a plain scalar can start (after indentation, "- ", "? ", ": ", or a flow indicator, and an anchor
# if there is one) and end (end of line, a comment, ": ", or a flow indicator): a superset of the places a
# whole plain scalar takes, so a text with no suspect token there needs no parse (most files: decrypt stays fast).
_TOKEN = re.compile(r"(?:^[ \t]*|[-?:][ \t]+|[\[{,][ \t]*)(?:&[^\s,\[\]{}]+\s+)?([^\s,\[\]{}#][^\s,\[\]{}]*?)"
                    r"(?=[ \t]*(?:\r?$|#|:(?:[ \t]|\r?$)|[,\]}]))", re.MULTILINE)
# First characters some implicit type can start with, in either version: any other token is a string in both.
_TYPED_START = frozenset(k for table in (_YAML_11, _YAML_12) for k in table.versioned_resolver if k)
# The only implicit types a letter starts are booleans and null: the words whose reading differs.
_WORDS_READ_OTHERWISE = frozenset(
    word for word in ("y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
                      "OFF", "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL")
    if _YAML_11.resolve(ScalarNode, word, (True, False)) != _YAML_12.resolve(ScalarNode, word, (True, False))
)


def portable(text: str) -> str:
    """``text`` with every plain scalar a YAML 1.1 reader would read differently re-spelled."""
    bom, text = split_bom(text)  # the parsers count positions after the mark
    probe = text.replace("\r", "\n") if "\r" in text else text  # a CR alone ends a line too (not to ``re``)
    if not any(_suspect(token) for token in _TOKEN.findall(probe)) and not _SUB_MICROSECOND.search(text) \
            and "\t" not in text:
        return bom + text
    return bom + _respelled_text(text)


def _respelled_text(text: str) -> str:
    try:
        pure, nodes = False, _plain_scalars(text, pure=False)
    except YAMLError:  # libyaml is stricter than ruamel's own parser (a time inside a flow list)
        pure, nodes = True, _plain_scalars(text, pure=True)
    edits = [edit for node in nodes if (edit := _respelled(text, node)) is not None]
    if "\t" in text:
        try:
            edits += [(tab, tab + 1, " ") for tab in _separating_tabs(text)]
        except YAMLError:  # the engines disagree on this text: nothing is printed that one would misread
            raise FormatError("cannot write this YAML so that YAML 1.1 readers read the same data") from None
    if not edits:
        return text
    pieces: list[str] = []
    position = 0
    for start, end, spelling in sorted(edits):
        pieces += (text[position:start], spelling)
        position = end
    result = "".join([*pieces, text[position:]])
    if _load(result, pure) != _load(text, pure):  # never print something that means other than the file
        raise FormatError("cannot write this YAML so that YAML 1.1 readers read the same data")
    return result


def _separating_tabs(text: str) -> list[int]:
    """Where the tabs between tokens are: outside every token the scanner reads (a scalar with its quotes, an
    indicator, an anchor, a tag) there is only blank space, line breaks and comments, and a comment runs from
    the first ``#`` there to the end of its line."""
    found: list[int] = []
    end = 0
    for token in engine_yaml("pure").scan(text):  # the scanner that reads what libyaml reads
        start = int(token.start_mark.index)
        if isinstance(token, AnchorToken):  # marked from the tag before it (as libyaml marks the node): its own &name
            start = int(token.end_mark.index) - len(token.value) - 1
        found += _blank_tabs(text, end, start)
        if getattr(token, "style", None) in ("|", ">"):  # a block scalar's header line: | or >, then blanks
            found += _blank_tabs(text, start, min(_line_end(text, start), int(token.end_mark.index)))
        end = max(end, int(token.end_mark.index))
    return found + _blank_tabs(text, end, len(text))


def _blank_tabs(text: str, start: int, end: int) -> list[int]:
    """The tabs of ``text[start:end]`` (space between tokens) before a comment on their line, if any."""
    found: list[int] = []
    in_comment = False
    for index in range(start, end):
        char = text[index]
        if char in "\r\n":
            in_comment = False
        elif char == "#":
            in_comment = True
        elif char == "\t" and not in_comment:
            found.append(index)
    return found


def _line_end(text: str, start: int) -> int:
    ends = [end for end in (text.find("\n", start), text.find("\r", start)) if end >= 0]
    return min(ends, default=len(text))


def _load(text: str, pure: bool) -> Any:
    """Every document of ``text`` (a Kubernetes stream has several), an application's tagged node read as it
    would be untagged, a scalar as its text (docs/format.md §1.3)."""
    yaml = YAML(typ="safe", pure=pure)
    yaml.Constructor = _Untagging
    return list(yaml.load_all(text))


class _Untagging(SafeConstructor):
    """The safe constructor, with a local tag (``!Ref``) constructing what the node holds."""


def _untagged(constructor: SafeConstructor, _suffix: str, node: Node) -> Any:
    if isinstance(node, ScalarNode):
        return constructor.construct_scalar(node)
    if isinstance(node, SequenceNode):
        return constructor.construct_sequence(node, deep=True)
    return constructor.construct_mapping(node, deep=True)


_Untagging.add_multi_constructor("!", _untagged)


def _plain_scalars(text: str, *, pure: bool) -> list[ScalarNode]:
    loader, parser = YAML(typ="safe", pure=pure).get_constructor_parser(text)
    stack: list[Node] = []
    try:
        while loader.composer.check_node():
            stack.append(loader.composer.get_node())
    finally:
        parser.dispose()
    found: list[ScalarNode] = []
    seen: set[int] = set()  # a node an alias or merge key names again is written (and re-spelled) once
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, ScalarNode) and not node.style:
            found.append(node)
    return found


def _respelled(text: str, node: ScalarNode) -> tuple[int, int, str] | None:
    start, end = int(node.start_mark.index), int(node.end_mark.index)
    if text[start:end] != node.value and _ANCHOR.fullmatch(text, start, end - len(node.value)):
        start = end - len(node.value)  # the scalar after its anchor (&a 0o17): its spelling is read as any other
    if text[start:end] != node.value:  # a tagged or multi-line scalar: nothing a 1.1 reader reads otherwise
        lines = _TAG_OR_ANCHOR.match(text, start, end)
        # but PyYAML's pure scanner stops at a tab folded into a multi-line one: written on one line
        return (lines.end(), end, double_quoted_any(node.value)) if lines and "\t" in text[lines.end():end] else None
    if "\t" in node.value:  # PyYAML ends a plain scalar at a tab, then cannot read on
        return start, end, double_quoted_any(node.value)
    spelling = _spelling(node)
    return None if spelling is None else (start, end, spelling)


def _suspect(token: str) -> bool:
    """Whether ``token``, if it is a whole plain scalar, would be re-spelled (see :func:`_spelling`)."""
    first = token[0]
    if first.isalpha():
        return token in _WORDS_READ_OTHERWISE
    if first not in _TYPED_START or _DECIMAL.match(token) or _FLOAT.match(token):
        return False
    return _spelling_of(token, tag_text(_YAML_12.resolve(ScalarNode, token, (True, False))), None) is not None


def _spelling(node: ScalarNode) -> str | None:
    return _spelling_of(node.value, tag_text(node.ctag), node)


def _spelling_of(plain: str, tag: str, node: ScalarNode | None) -> str | None:
    """The portable spelling of a plain scalar with YAML 1.2 ``tag``, ``None`` if it is one already
    (without a node, any non-``None`` answer only says that it is not)."""
    if tag == _TAG + "str":
        return double_quoted(plain) if plain_tag_11(plain) != tag else None
    if tag in _SAME_IN_BOTH:
        return None
    if tag == _TAG + "timestamp":
        if finer_than_microseconds(plain):  # the readers refuse it too: never a rounded time
            raise FormatError(f"{FinerThanMicroseconds()} (quote it to keep it as text)")
        return None if not _SUB_MICROSECOND.search(plain) else _construct(node).isoformat() if node else plain
    if tag == _TAG + "int":
        return None if _DECIMAL.match(plain) else str(_construct(node)) if node else plain
    if tag == _TAG + "float":
        return None if _FLOAT.match(plain) else float_text(_construct(node)) if node else plain
    return None


def _construct(node: ScalarNode) -> Any:
    loader, parser = YAML(typ="safe", pure=False).get_constructor_parser("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        parser.dispose()

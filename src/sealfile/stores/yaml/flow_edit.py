"""Adding and removing an entry of a flow collection (``{a: 1, b: 2}``, ``[x, y]``), also one written
over several lines, an entry a line, with or without a comma after its last entry (as JSON-like YAML
and formatters write them): the entry's own text, lines and comma change; every other byte stays,
comments included."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.nodes import MappingNode

from sealfile.model.lines import line_start
from sealfile.stores.yaml.spans import alias_span, gap_end, next_line, value_span
from sealfile.stores.yaml.splice import Edit


def entry_index(parent: Any, key_node: Any, slot: Any) -> int:
    """The position of the entry of key ``key_node`` (item ``slot`` of a sequence) in ``parent``."""
    if isinstance(parent, MappingNode):
        return next(i for i, (key, _) in enumerate(parent.value) if key is key_node)
    return int(slot)


def remove_entry(text: str, parent: Any, index: int) -> Edit:
    """The edit removing entry ``index`` (of several) and one comma: the entry's lines where it is
    alone on them, else its text and the spaces that would end a line."""
    start, end = _span(text, parent, index)
    after = gap_end(text, end)
    if text.startswith(",", after):
        stop = after + 1
        if _alone(text, start, stop):
            return line_start(text, start), next_line(text, stop), ""
        following = stop + len(text[stop:]) - len(text[stop:].lstrip(" \t"))
        if text.startswith(("\n", "\r"), following):  # nothing after it on its line: no spaces left at the end
            start -= len(text[:start]) - len(text[:start].rstrip(" \t"))
        return start, following, ""
    if index == 0:  # the only entry (of a document's top level: {} stays)
        return (line_start(text, start), next_line(text, end), "") if _alone(text, start, end) else (start, end, "")
    # the last entry: the comma after the entry before goes, and what is between (a comment) stays
    comma = gap_end(text, _span(text, parent, index - 1)[1])
    if _alone(text, start, end):
        return comma, next_line(text, end), text[comma + 1:line_start(text, start)]
    between = text[comma + 1:start]
    if "#" in between:
        return comma, end, between
    cut = len(text[:comma].rstrip(" \t"))  # with the spaces before the comma, unless a ':' would then touch a bracket
    return (comma if text.startswith(":", cut - 1) else cut), end, ""


def add_entry(text: str, container: Any, entry: str, after: int | None = None) -> Edit:
    """The edit writing ``entry`` after entry ``after`` (the last if ``None``; ``-1``: before the
    first): on a line of its own, at the same indentation, where the entries are written so."""
    if isinstance(container, MappingNode) and not text.startswith("{", _after_properties(text, container)):
        return _braced(text, container, entry, after == -1)
    if not container.value:
        close = container.end_mark.index - 1
        return close, close, entry
    if after == -1:
        start = _span(text, container, 0)[0]
        if _alone(text, start, _comma_end(text, container, 0)):
            begin = line_start(text, start)
            return begin, begin, text[begin:start] + entry + ",\n"
        return start, start, entry + ", "
    index = len(container.value) - 1 if after is None else after
    start, end = _span(text, container, index)
    stop = _comma_end(text, container, index)
    comma = stop > end
    if _alone(text, start, stop):
        line_end = next_line(text, stop)
        written = text[line_start(text, start):start] + entry + ("," if comma else "") + "\n"
        return (line_end, line_end, written) if comma else (end, line_end, "," + text[end:line_end] + written)
    return (stop, stop, " " + entry + ",") if comma else (end, end, ", " + entry)


def _braced(text: str, pair: Any, entry: str, first: bool) -> Edit:
    """A pair written in a flow sequence without braces (``[k: 1]``) is a mapping that holds one entry:
    a second written beside it would be an item of the sequence, so the pair and the entry go in braces."""
    start, end = pair.start_mark.index, _span(text, pair, 0)[1]
    written = text[start:end]
    return start, end, "{" + (f"{entry}, {written}" if first else f"{written}, {entry}") + "}"


def _after_properties(text: str, node: Any) -> int:
    """Where ``node``'s own text starts, past its anchor and tag (``&e {}``: its mark is at the ``&``)."""
    at: int = node.start_mark.index
    while text.startswith(("&", "!"), at):
        while at < len(text) and text[at] not in " \t\r\n,[]{}":
            at += 1
        at = gap_end(text, at)
    return at


def _comma_end(text: str, container: Any, index: int) -> int:
    """Just past the comma after entry ``index``, or its end if none follows."""
    end = _span(text, container, index)[1]
    after = gap_end(text, end)
    return after + 1 if text.startswith(",", after) else end


def _alone(text: str, start: int, stop: int) -> bool:
    """Whether ``text[start:stop]`` has its lines to itself (a comment may follow it)."""
    rest = text[stop:next_line(text, stop)].strip(" \t\r\n")
    return not text[line_start(text, start):start].strip(" \t") and (not rest or rest.startswith("#"))


def _span(text: str, parent: Any, index: int) -> tuple[int, int]:
    """Where entry ``index`` of a flow collection is written: from its key (or item) to its value's end."""
    if isinstance(parent, MappingNode):
        key, node = parent.value[index]
        if node.start_mark.index < key.end_mark.index:  # an alias: its node's marks are its anchor's
            return key.start_mark.index, value_span(text, node, key)[1]
        if node.start_mark.index != node.end_mark.index:
            return key.start_mark.index, node.end_mark.index
        colon = gap_end(text, key.end_mark.index)  # an empty value: to its ':', if written
        return key.start_mark.index, colon + 1 if text.startswith(":", colon) else key.end_mark.index
    node = parent.value[index]
    lower = parent.start_mark.index if index == 0 else _span(text, parent, index - 1)[1]
    if node.start_mark.index < lower:  # an alias: its node's marks are its anchor's
        return alias_span(text, None, parent, index)
    return node.start_mark.index, node.end_mark.index

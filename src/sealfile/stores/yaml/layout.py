"""The indentation a YAML file uses, read from its text, so new lines sealfile writes fit in."""

from __future__ import annotations

import re

from sealfile.model.record import Record


class Layout(Record):
    """Indentation as ruamel names it: mapping indent, sequence indent, dash offset."""

    _fields = ("mapping", "sequence", "offset")
    mapping: int
    sequence: int
    offset: int

    def __init__(self, mapping: int = 2, sequence: int = 2, offset: int = 0) -> None:
        self._fill(mapping, sequence, offset)


def guess_layout(text: str) -> Layout:
    """The indentation a file uses, so that rewriting it changes only what changed.

    ruamel keeps comments and quoting but not indentation; this reads the first nested
    mapping and the first block sequence (as ruamel's own ``load_yaml_guess_indent`` does,
    keeping the mapping indent apart from the sequence's).
    """
    mapping = sequence = offset = None
    parent: int | None = None  # indent of the last line that was a key with no value
    for line in text.splitlines():
        stripped = _COMMENT.sub("", line).strip()
        if not stripped or _PROPERTIES.fullmatch(stripped):
            # a node's anchor or tag on its own line says nothing of where its entries start: the line after does
            continue
        indent = len(line) - len(line.lstrip(" "))
        if parent is not None and indent > parent:
            # a dash with only a comment after it says nothing of where an item's text starts
            if stripped.startswith("- ") and sequence is None and not stripped[2:].lstrip(" ").startswith("#"):
                offset = indent - parent
                content = indent + 2 + len(stripped[2:]) - len(stripped[2:].lstrip(" "))
                sequence = content - parent
            elif not stripped.startswith("-") and mapping is None:
                mapping = indent - parent
        if mapping is not None and sequence is not None:
            break
        parent = indent if stripped.endswith(":") and not stripped.startswith("- ") else None
    mapping = mapping or 2
    if sequence is None or offset is None or sequence < offset + 2:
        # a dash and its space take two columns: ruamel's emitter, told less, writes an item's nested
        # lines at or left of its first, which then read as another value or as invalid YAML
        return Layout(mapping, max(mapping, 2), 0)
    return Layout(mapping, sequence, offset)


_COMMENT = re.compile(r"(?:^|(?<=[ \t]))#.*")  # a comment, so that ``key: # note`` still ends in its colon
_PROPERTIES = re.compile(r"(?:[&!]\S*(?:[ \t]+|$))++")  # anchors and tags alone: ``&a``, ``!!map``, ``&a !t``

"""Fenced blocks of a Markdown file (README.md), with the HTML-comment marker on the line before each."""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER = re.compile(r"<!-- snippet: (?P<mode>run|skip)(?:; (?P<arg>.*?))? -->")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)\s*$")


@dataclass(frozen=True)
class Fence:
    line: int
    """1-based line of the opening fence."""
    language: str
    text: str
    """The body, dedented by the fence's own indentation (a fence inside a list item)."""
    mode: str | None
    """``run`` or ``skip`` from ``<!-- snippet: MODE; ARG -->`` on the line before, else None."""
    arg: str | None


def fences(text: str) -> list[Fence]:
    lines = text.splitlines()
    found: list[Fence] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening or not opening.group("lang"):
            index += 1
            continue
        indent, end = opening.group("indent"), index + 1
        while not lines[end].startswith(f"{indent}```"):
            end += 1
        body = "\n".join(line[len(indent):] for line in lines[index + 1:end]) + "\n"
        marker = MARKER.search(lines[index - 1]) if index else None
        found.append(Fence(index + 1, opening.group("lang"), body, marker.group("mode") if marker else None,
                           marker.group("arg") if marker else None))
        index = end + 1
    return found

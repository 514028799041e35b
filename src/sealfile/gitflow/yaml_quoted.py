"""A YAML double-quoted value holding a text of lines (``\\n`` escapes), as PyYAML, ``kubectl`` and Ansible write
a multi-line string with trailing blanks: folded over the file's lines at 80 columns, each break escaped with a
``\\``. A decrypted copy put in a ConfigMap or a Helm values file so is every key path of its sealed file, on no
line of the file as written. Decoded apart, as the program reading the file gets it, in a file named YAML only."""

from __future__ import annotations

import re

_OPENING = re.compile(r"""(?:^|:[ \t]|^[ \t]*-[ \t])[ \t]*"(?=(?:[^"\\]|\\[^n])*+\\(?:n|$))""")
"""A value opening with a double quote whose text, on its first line, holds a ``\\n`` escape or ends in a ``\\``
(its line break escaped). Read escape by escape: any other (``\\"`` too, which PyYAML writes for a quote) may stand
before it; each character is one step of one branch, so a line is read in time linear in it."""
MAX_CHARS = 1 << 20
"""A longer value is not decoded (YAML's reader takes seconds for megabytes; a decrypted file is kilobytes)."""
MAX_LINES = 10_000
"""Lines of one value read: past them the value is no text of lines this looks for (a quote never closed)."""


def quoted_values(text: str, most: int) -> list[tuple[str, str | None, str]]:
    """``(label, None, value)`` for each double-quoted value of the YAML ``text`` holding a ``\\n`` escape, decoded
    (at most ``most``, one more to say so). Each line is read once: a value never closed ends the search."""
    found: list[tuple[str, str | None, str]] = []
    lines = text.splitlines()
    number = 0
    while number < len(lines) and len(found) <= most:
        line = lines[number]
        # a comment is no value the program reads (a commented-out example's 'user:pass@' is the file's own text)
        opening = _OPENING.search(line) if '"' in line and "\\" in line and not line.lstrip().startswith("#") else None
        if opening is None:
            number += 1
            continue
        raw, last = _closed(lines, number, opening.end())
        if raw is not None and "\\n" in raw and len(raw) <= MAX_CHARS and (value := _decoded(raw)) is not None:
            where = f"line {number + 1}" if last == number else f"lines {number + 1}-{last + 1}"
            found.append((f"double-quoted text on {where}", None, value))
        number = last + 1
    return found


def _closed(lines: list[str], number: int, start: int) -> tuple[str | None, int]:
    """The value from ``start`` of line ``number`` to its closing quote, as written, and the line it closes on;
    ``None`` if it does not close within :data:`MAX_LINES` lines."""
    parts = []
    line, at = lines[number], start
    for last in range(number, min(len(lines), number + MAX_LINES)):
        if last > number:
            line, at = lines[last], 0
        end = _quote(line, at)
        if end >= 0:
            parts.append(line[at:end])
            return "\n".join(parts), last
        parts.append(line[at:])
    return None, min(len(lines), number + MAX_LINES) - 1


def _quote(line: str, at: int) -> int:
    """Where the first quote from ``at`` that no backslash escapes is, -1 if none."""
    end = line.find('"', at)
    while end >= 0:
        before = end
        while before > at and line[before - 1] == "\\":  # each backslash is counted for one quote only
            before -= 1
        if (end - before) % 2 == 0:
            return end
        end = line.find('"', end + 1)
    return -1


def _decoded(raw: str) -> str | None:
    """What YAML reads the double-quoted ``raw`` as (its folding and escapes), ``None`` if it is no such value."""
    from ruamel.yaml import YAML

    try:
        value = YAML(typ="safe").load('"' + raw + '"')
    except Exception:  # whatever the parser refuses is no value this reads
        return None
    return value if isinstance(value, str) else None

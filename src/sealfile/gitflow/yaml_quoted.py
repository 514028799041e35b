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
"""A longer value is not decoded (YAML's reader takes seconds for megabytes; a decrypted file is kilobytes): it is
named as not decoded, for the caller to say."""


def quoted_values(text: str, most: int) -> tuple[list[tuple[str, str | None, str]], list[str]]:
    """``(label, None, value)`` for each double-quoted value of the YAML ``text`` holding a ``\\n`` escape, decoded
    (at most ``most``, one more to say so); and what was not decoded (a value past :data:`MAX_CHARS`). However many
    lines a value spans; each line is read once: where a line holding a closing quote is, is worked out once for
    all, so a value never closed (no value: YAML refuses it) costs a look-up, and the search goes on."""
    found: list[tuple[str, str | None, str]] = []
    unread: list[str] = []
    lines = text.splitlines()
    quoted: list[int] = []  # for each line, the first from it holding a closing quote; worked out when first needed
    number = 0
    while number < len(lines) and len(found) <= most:
        line = lines[number]
        # a comment is no value the program reads (a commented-out example's 'user:pass@' is the file's own text)
        opening = _OPENING.search(line) if '"' in line and "\\" in line and not line.lstrip().startswith("#") else None
        if opening is None:
            number += 1
            continue
        quoted = quoted or _quoted_from(lines)
        raw, last = _closed(lines, quoted, number, opening.end())
        if raw is None:
            number += 1
            continue
        where = f"line {number + 1}" if last == number else f"lines {number + 1}-{last + 1}"
        if len(raw) > MAX_CHARS:
            unread.append(f"double-quoted text on {where}: more than {MAX_CHARS >> 20} MiB: not decoded")
        elif "\\n" in raw and (value := _decoded(raw)) is not None:
            found.append((f"double-quoted text on {where}", None, value))
        number = last + 1
    return found, unread


def _quoted_from(lines: list[str]) -> list[int]:
    """For each line, the first line from it that holds a quote no backslash escapes (``len(lines)``: none)."""
    first = [len(lines)] * (len(lines) + 1)
    for number in range(len(lines) - 1, -1, -1):
        first[number] = number if '"' in lines[number] and _quote(lines[number], 0) >= 0 else first[number + 1]
    return first


def _closed(lines: list[str], quoted: list[int], number: int, start: int) -> tuple[str | None, int]:
    """The value from ``start`` of line ``number`` to its closing quote, as written, and the line it closes on;
    ``None`` if it never closes (``quoted``: :func:`_quoted_from`)."""
    end = _quote(lines[number], start)
    if end >= 0:
        return lines[number][start:end], number
    last = quoted[number + 1]
    if last == len(lines):
        return None, number
    return "\n".join([lines[number][start:], *lines[number + 1:last], lines[last][:_quote(lines[last], 0)]]), last


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

"""A Java ``.properties`` value a leak can be written as: ``Properties.store`` writes a multi-line value with
``\\n``, its ``:`` and ``=`` as ``\\:`` and ``\\=``, and what is not ASCII as ``\\u00e9`` (``native2ascii`` writes
every character so). Decoded apart from its key, as the program reading it gets it, in a file named
``.properties`` only (a jar's member too): a program's string literals are code, not data."""

from __future__ import annotations

import re

_UNICODE = re.compile(r"\\u[0-9A-Fa-f]{4}")
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|.)")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "f": "\f"}


def properties_values(text: str, most: int) -> list[tuple[str, str | None, str]]:
    """``(label, None, value)`` for each line of a properties file's ``text`` with escapes (at most ``most``,
    one more to say so)."""
    found: list[tuple[str, str | None, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if "\\" in line and (value := properties_value(line)) is not None:
            found.append((f"Java escapes on line {number}", None, value))
            if len(found) > most:
                break
    return found


def properties_value(line: str) -> str | None:
    """The value of a ``key=value`` (or ``key: value``) line with Java escapes, decoded; ``None`` for a line without
    a ``\\uXXXX`` escape nor an escaped line break beside an escaped separator (a Windows path is no such line)."""
    if not (("\\u" in line and _UNICODE.search(line)) or ("\\n" in line and ("\\:" in line or "\\=" in line))):
        return None
    start = _value_start(line.lstrip())
    value = line.lstrip()[start:]
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1)[1:], 16)) if len(m.group(1)) == 5
                       else _SIMPLE.get(m.group(1), m.group(1)), value)
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # a pair of \\uD83D\\uDE00: one


def _value_start(line: str) -> int:
    """Where the value begins, as ``Properties.load`` reads it: the key ends at the first ``=``, ``:`` or space
    that no backslash escapes; spaces, one ``=`` or ``:``, and spaces again follow."""
    at = 0
    while at < len(line) and line[at] not in "=: \t":
        at += 2 if line[at] == "\\" else 1
    if at >= len(line):
        return 0  # no key: the line is all value
    while at < len(line) and line[at] in " \t":
        at += 1
    at += 1 if at < len(line) and line[at] in "=:" else 0
    while at < len(line) and line[at] in " \t":
        at += 1
    return at

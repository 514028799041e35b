"""A line of ``\\x41`` escapes, as ``printf``, ``echo -e`` and a C or Python string literal write bytes: decoded as the
program printing it gets them (:func:`.text_encodings.escaped` finds the lines)."""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|[ntr\\'\"])")
_SIMPLE = {"n": b"\n", "t": b"\t", "r": b"\r", "\\": b"\\", "'": b"'", '"': b'"'}


def unescaped(line: str) -> str:
    """A line with its ``\\xNN`` bytes (UTF-8 together) and its ``\\n``, ``\\t``, ``\\r`` and quotes decoded."""
    data, last = bytearray(), 0  # appended to: a list of the line's pieces took 50 times the line
    for escape in _ESCAPE.finditer(line):
        part = escape.group(1)
        data += line[last:escape.start()].encode()
        data += bytes.fromhex(part[1:]) if part[0] == "x" else _SIMPLE[part]
        last = escape.end()
    data += line[last:].encode()
    return data.decode("utf-8", "replace")

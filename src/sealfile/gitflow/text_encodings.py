"""Text encodings a leak can hide in, each decoded on its own (:mod:`.blob_views` gives what they hold to the
checks): UTF-16 and UTF-32 with or without a byte order mark, base64 (standard and URL-safe, a value or a wrapped
run of lines), JSON string escapes, URL percent-encoding."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

MIN_BASE64 = 16
"""Characters of the shortest base64 read (12 bytes): shorter words of its alphabet are names and numbers."""

_BASE64 = re.compile(rf"[A-Za-z0-9+/]{{{MIN_BASE64},}}={{0,2}}|[A-Za-z0-9_-]{{{MIN_BASE64},}}={{0,2}}")
_BASE64_TAIL = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
"""The last line of wrapped base64, as short as it may be."""
_SETTING = re.compile(r"\s*(?:-\s+)?[\"']?([\w.@/-]{1,256})[\"']?\s*[:=]\s*[\"']?(\S+)\s*")
"""``key: value``, ``KEY=value``, ``"key": "value",``: the value (its closing quotes and comma stripped after), where
base64 is looked for, and its key. Every pattern here reads an attacker's line once: none backtracks over it (a
lazy value before optional quotes, or a run that ends in ``%XX``, searched from every position of a long line,
took time quadratic in it: minutes for one line of a committed file)."""
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_URL_RUN = re.compile(r"[^\s'\"<>]+")
MAX_FOUND = 1000
"""Texts one file's lines give at most (the caller's own bound cuts them again)."""


def decode(data: bytes) -> tuple[str, str] | None:
    """The text of ``data`` and its encoding's name, ``None`` for bytes that are no text."""
    for bom, codec, shown in ((b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
                              (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"), (b"\xff\xfe", "utf-16-le", "UTF-16"),
                              (b"\xfe\xff", "utf-16-be", "UTF-16"), (b"\xef\xbb\xbf", "utf-8", "UTF-8")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, "replace"), shown
    if b"\0" not in data:
        return data.decode("utf-8", "replace"), "UTF-8"
    # without a byte order mark: text in ASCII's range has its zero bytes in fixed places
    sample = data[:4096]
    for codec, width, at in (("utf-32-le", 4, 0), ("utf-32-be", 4, 3), ("utf-16-le", 2, 0), ("utf-16-be", 2, 1)):
        chars = [sample[i:i + width] for i in range(0, len(sample) - width + 1, width)]
        if chars and sum(c[at] != 0 and c.count(0) == width - 1 for c in chars) >= 0.9 * len(chars):
            return data.decode(codec, "replace"), f"UTF-{width * 8}"
    return None


def escaped(text: str) -> list[tuple[str, str | None, str]]:
    """``(label, None, text)``: each string literal of a JSON text holding a line break or a ``\\u0070`` escape,
    and each percent-encoded value of a URL or form (``config=db%3A%0A...``), decoded."""
    found: list[tuple[str, str | None, str]] = []
    json_text = text.lstrip()[:1] in ("{", "[")  # JSON, JSON lines: a program's string literals are code, not data
    for number, line in enumerate(text.splitlines(), 1):
        if json_text and "\\" in line:
            found += _json_escaped(line, f"JSON string on line {number}", MAX_FOUND + 1 - len(found))
        if "%" in line:
            found += _percent_encoded(line, f"URL-encoded text on line {number}", MAX_FOUND + 1 - len(found))
        if len(found) > MAX_FOUND:  # counted within a line too: one line of a file may hold them all
            break
    return found


def _json_escaped(line: str, label: str, most: int) -> list[tuple[str, str | None, str]]:
    import json

    found: list[tuple[str, str | None, str]] = []
    for literal in json_literals(line):
        if len(found) >= most:
            break
        if "\\n" not in literal and "\\u" not in literal:  # the parsed value is read as it is
            continue
        try:
            found.append((label, None, json.loads(f'"{literal}"')))
        except ValueError:
            continue
    return found


def _percent_encoded(line: str, label: str, most: int) -> list[tuple[str, str | None, str]]:
    from urllib.parse import unquote_plus

    found: list[tuple[str, str | None, str]] = []
    for run in _URL_RUN.findall(line):
        for part in run.split("&") if _PERCENT.search(run) else ():
            if len(found) >= most:
                return found
            value = part.split("=", 1)[-1]
            if _PERCENT.search(value):
                found.append((label, None, unquote_plus(value)))
    return found


def json_literals(line: str) -> list[str]:
    """The string literals of a line of JSON, as ``re.findall(r'"((?:[^"\\\\]|\\\\.)*)"', line)`` finds them (an
    unterminated one is skipped, and the search goes on at the next quote), in time linear in the line: that
    search reads the rest of the line again from every quote that opens none (``"\\"\\"\\"...``)."""
    ends = [-1] * (len(line) + 2)  # ends[i]: the quote closing a literal whose text goes on at i
    for at in range(len(line) - 1, -1, -1):
        ends[at] = at if line[at] == '"' else ends[at + 2] if line[at] == "\\" else ends[at + 1]
    found: list[str] = []
    quote = line.find('"')
    while quote >= 0:
        end = ends[quote + 1]
        if end < 0:
            quote = line.find('"', quote + 1)
            continue
        found.append(line[quote + 1:end])
        quote = line.find('"', end + 1)
    return found


def base64_runs(text: str) -> list[tuple[str, str | None, str]]:
    """``(label, name, base64)``: each value of a ``key: value`` line in base64 (named by its key path in a block
    mapping: ``data.password``), and each run of lines that are base64 alone (``base64`` wraps at 76 characters)."""
    found: list[tuple[str, str | None, str]] = []
    run: list[str] = []
    parents: list[tuple[int, str]] = []  # the block mappings the line is in: (indentation, key)
    first = 0
    for number, line in enumerate([*text.splitlines(), ""], 1):
        stripped = line.strip().strip("\"',")
        if stripped and (_BASE64.fullmatch(stripped) or (run and _BASE64_TAIL.fullmatch(stripped))):
            first = first or number
            run.append(stripped)
            continue
        if run:
            lines = f"line {first}" if len(run) == 1 else f"lines {first}-{number - 1}"
            found.append((f"base64 on {lines}", None, "".join(run)))
            run, first = [], 0
        setting = _SETTING.fullmatch(line) if len(line) <= 1 << 16 else None
        indent = len(line) - len(line.lstrip())
        while parents and parents[-1][0] >= indent and line.strip():
            parents.pop()
        if line.rstrip().endswith(":") and ":" not in line.strip()[:-1]:
            parents.append((indent, line.strip()[:-1].strip("\"'")))
        elif setting and _BASE64.fullmatch(value := setting.group(2).rstrip("\"',")):
            key = ".".join([*(name for _, name in parents), setting.group(1)])
            found.append((f"base64 in {key}", PurePosixPath(setting.group(1)).name, value))
    return found


def from_base64(encoded: str) -> bytes | None:
    """The bytes ``encoded`` holds if they are text or an archive (a name or a hash in base64's alphabet decodes to
    neither), else ``None``."""
    import base64
    import binascii

    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        data = base64.b64decode(padded, validate=True) if "-" not in padded and "_" not in padded else \
            base64.urlsafe_b64decode(padded)
    except (binascii.Error, ValueError):
        return None
    if data[:2] == b"\x1f\x8b" or data[:4] == b"PK\x03\x04":
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return data if text.isprintable() or all(c.isprintable() or c in "\n\r\t" for c in text) else None

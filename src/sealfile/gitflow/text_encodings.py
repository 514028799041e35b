"""Text encodings a leak can hide in, each decoded on its own (:mod:`.blob_views` gives what they hold to the
checks): UTF-16 and UTF-32 with or without a byte order mark, base64 (standard and URL-safe: a value, a word
anywhere in a line, a wrapped run of lines), hex (``xxd -p``, ``\\x41`` escapes), JSON string escapes, URL
percent-encoding, HTML/XML markup and character references (a Word document's runs joined), quoted-printable.

What a decoded text holds is judged for copies, credentials and keys, not shown: a word that decodes by chance to
text costs a search, never a finding of its own."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from sealfile.gitflow.hex_dumps import dump_bytes
from sealfile.gitflow.hex_escapes import unescaped

MIN_BASE64 = 16
"""Characters of base64 read whatever it decodes to (12 bytes): shorter words of its alphabet are names and
numbers, read only if they decode to lines or settings (:data:`MIN_SHORT`)."""
MIN_SHORT = 8
"""Characters of the shortest base64 word read (6 bytes: ``A=x\\nB=y\\n``, a small dotenv file's copy)."""

_BASE64 = re.compile(rf"[A-Za-z0-9+/]{{{MIN_SHORT},}}={{0,6}}|[A-Za-z0-9_-]{{{MIN_SHORT},}}={{0,6}}")
_WORD = re.compile(rf"(?<![\w+/-])(?:[A-Za-z0-9+/]{{{MIN_SHORT},}}|[A-Za-z0-9_-]{{{MIN_SHORT},}})={{0,6}}(?![\w+/=-])")
"""A base64 word anywhere in a line: ``"data": "..."`` in a longer line, ``ENV X=...``, an argument (padded to six
``=``: base32's, which :mod:`.base32_words` reads)."""
_HEX_LINE = re.compile(r"(?:[0-9A-Fa-f]{2}){8,}+")
_HEX_ESCAPES = re.compile(r"(?:\\x[0-9A-Fa-f]{2}(?:(?!\\x[0-9A-Fa-f]{2}).){0,8}){4,}+")
_SINGLE_QUOTED = re.compile(r"'([^'\n]*)'")
"""A shell string literal in single quotes; one in double quotes is found as JSON's are (:func:`json_literals`):
either's escapes are decoded apart from the code around it."""
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BLOCK_END = re.compile(r"</(?:w:p|a:p|text:p|text:h|p|div|li|tr|h[1-6]|si|row)>"
                        r"|<(?:w:br|w:cr|br|text:line-break)\b[^>]*>", re.IGNORECASE)
"""Where markup ends a line of its text: a paragraph of Word (``w:p``), PowerPoint, OpenDocument, HTML, a row."""
_TAG = re.compile(r"<[^<>]{0,4096}>")
_SOFT_BREAK = re.compile(r"=\r?\n")
_BASE64_TAIL = re.compile(r"[A-Za-z0-9+/_-]+={0,6}")
"""The last line of wrapped base64, as short as it may be."""
_SETTING = re.compile(r"\s*(?:-\s+)?[\"']?([\w.@/-]{1,256})[\"']?\s*[:=]\s*[\"']?(\S+)\s*")
"""``key: value``, ``KEY=value``, ``"key": "value",``: the value (its closing quotes and comma stripped after), where
base64 is looked for, and its key. Every pattern here reads an attacker's line once: none backtracks over it (a
lazy value before optional quotes, or a run that ends in ``%XX``, searched from every position of a long line,
took time quadratic in it: minutes for one line of a committed file)."""
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_URL_RUN = re.compile(r"[^\s'\"<>]+")
MAX_FOUND = 1000
"""Escaped texts or hex runs one file's lines give at most; one more says the rest were not read."""
MAX_WORDS = 100_000
"""Base64 words of one file tried at most (each decoded, a few microseconds): a manifest of hashes has thousands,
an 8 MiB file of words a million; one more says the rest were not read."""


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
    each line of ``\\x41`` escapes (``printf``, ``echo -e``, a C or Python literal) and each percent-encoded value
    of a URL or form (``config=db%3A%0A...``), decoded."""
    found: list[tuple[str, str | None, str]] = []
    json_text = text.lstrip()[:1] in ("{", "[")  # JSON, JSON lines: a program's string literals are code, not data
    for number, line in enumerate(text.splitlines(), 1):
        if json_text and "\\" in line:
            found += _json_escaped(line, f"JSON string on line {number}", MAX_FOUND + 1 - len(found))
        if "\\x" in line and _HEX_ESCAPES.search(line):
            literals = [literal for literal in (*_SINGLE_QUOTED.findall(line), *json_literals(line))
                        if "\\x" in literal] or [line]
            found += [(f"\\x escapes on line {number}", None, unescaped(literal))
                      for literal in literals[:MAX_FOUND + 1 - len(found)]]
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
    mapping: ``data.password``), each run of lines that are base64 alone (``base64`` wraps at 76 characters), and
    each other base64 word in a line (named by the key before it: ``base64 in CONFIG on line 2``)."""
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
        elif len(line) >= MIN_SHORT and (not line.islower() or _LOWER_ENCODED.search(line)):
            found += _words(number, line, MAX_WORDS + 1 - len(found))
        if len(found) > MAX_WORDS:
            break
    return found


_LOWER_ENCODED = re.compile(r"[a-z0-9]{32}")  # no snake_case or kebab-case name has such a run


def _lower_encoded(word: str) -> bool:
    """Whether a word without a capital letter may be base32 (``base32 | tr A-Z a-z``) all the same: 32 letters and
    digits or more, a digit among them (so is a hash in hex: it decodes to no text)."""
    bare = word.rstrip("=")
    return len(bare) >= 32 and bare.isalnum() and bare.isascii() and not bare.isalpha()


def _words(number: int, line: str, room: int) -> list[tuple[str, str | None, str]]:
    """The base64 words of a line that is not a setting of one: each named by the key written before it, if any.
    A word without a capital letter is a name (``snake_case``, ``kebab-case``), never base64 of text, unless it may
    be base32 (:func:`_lower_encoded`)."""
    found: list[tuple[str, str | None, str]] = []
    for word in _WORD.finditer(line):
        if word.group(0).lower() == word.group(0) and not _lower_encoded(word.group(0)):
            continue
        name = _key_before(line, word.start())
        label = f"base64 in {name} on line {number}" if name else f"base64 on line {number}"
        found.append((label, None if name is None else PurePosixPath(name).name, word.group(0)))
        if len(found) >= room:
            break
    return found


def _key_before(line: str, end: int) -> str | None:
    """The key of ``key=``, ``key: ``, ``"key": "`` ending at ``end``, read backwards (once per word, not from
    every position of the line)."""
    before = line[max(0, end - 300):end].rstrip(" \t\"'")
    if not before or before[-1] not in ":=":
        return None
    before = before[:-1].rstrip(" \t\"'")
    start = len(before)
    while start > 0 and (before[start - 1].isalnum() or before[start - 1] in "_.@/-"):
        start -= 1
    return before[start:] or None


def from_base64(encoded: str) -> bytes | None:
    """The bytes ``encoded`` holds if they are text or an archive (a name or a hash in base64's alphabet decodes to
    neither), else ``None``; a word shorter than :data:`MIN_BASE64` only if its text has lines or a setting."""
    import base64
    import binascii

    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        data = base64.b64decode(padded, validate=True) if "-" not in padded and "_" not in padded else \
            base64.urlsafe_b64decode(padded)
    except (binascii.Error, ValueError):
        return None
    found = text_or_archive(data)
    if found is not None and len(encoded) < MIN_BASE64 and not any(c in found for c in b"\n=:"):
        return None
    return found


def hex_runs(text: str) -> list[tuple[str, str | None, bytes]]:
    """``(label, None, bytes)``: each run of lines that are hex alone (``xxd -p``, a hex dump pasted) or a dump
    with offsets (:mod:`.hex_dumps`: ``xxd``, ``hexdump -C``, ``od``), whose bytes are text or an archive."""
    found: list[tuple[str, str | None, bytes]] = []
    run: list[str] = []
    first = 0
    for number, line in enumerate([*text.splitlines(), ""], 1):
        stripped = line.strip()
        if _HEX_LINE.fullmatch(stripped) or (run and stripped and len(stripped) % 2 == 0
                                            and all(c in "0123456789abcdefABCDEF" for c in stripped)):
            first = first or number
            run.append(stripped)
            continue
        if run:
            data = text_or_archive(bytes.fromhex("".join(run)))
            lines = f"line {first}" if len(run) == 1 else f"lines {first}-{number - 1}"
            if data is not None:
                found.append((f"hex on {lines}", None, data))
            run, first = [], 0
        if len(found) > MAX_FOUND:
            return found
    dumps = dump_bytes(text, MAX_FOUND - len(found)) if " " in text else []  # xxd's default layout, od -c...
    return found + [(label, None, data) for label, dumped in dumps if (data := text_or_archive(dumped)) is not None]


def text_or_archive(data: bytes) -> bytes | None:
    if data[:2] == b"\x1f\x8b" or data[:4] == b"PK\x03\x04" or data[:3] == b"BZh" or data[:6] == b"\xfd7zXZ\x00":
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return data if text.isprintable() or all(c.isprintable() or c in "\n\r\t" for c in text) else None


def markup_text(text: str) -> str | None:
    """The text of an HTML or XML document (a Word document's ``w:t`` runs joined, a line per paragraph) or of a
    text with character references (``&#x41;``, ``&amp;``), those decoded; ``None`` if ``text`` has neither."""
    import html

    head = text.lstrip()[:1]
    if head != "<" and not _ENTITY.search(text):
        return None
    plain = _TAG.sub("", _BLOCK_END.sub("\n", text)) if head == "<" else text
    plain = html.unescape(plain)
    return plain if plain.strip() and plain != text else None


def quoted_printable(text: str) -> str | None:
    """The text of a quoted-printable body (an e-mail, a MIME part: what follows its headers), soft line breaks
    joined, ``=3D`` decoded; ``None`` unless a header says it is one or the text has its soft line breaks."""
    import quopri

    header = text.lower().find("content-transfer-encoding: quoted-printable", 0, 1 << 20)
    if header < 0 and len(_SOFT_BREAK.findall(text, 0, 1 << 16)) < 2:
        return None
    body = text if header < 0 else text[max(text.find("\n\n", header), text.find("\r\n\r\n", header)) + 1:]
    decoded = quopri.decodestring(body.encode("utf-8", "replace")).decode("utf-8", "replace").replace("\r\n", "\n")
    return decoded.lstrip("\r\n") if decoded != text else None

"""Byte dumps with offsets a leak can be pasted as, read back to their bytes: ``xxd``'s default layout
(``00000000: 6462 3a0a ...  db:.``), ``hexdump -C`` and ``od -A x -t x1z`` (an ASCII column between bars or
angle brackets), ``od -t x1``, ``hexdump``'s and ``od -x``'s 16-bit words (little-endian: each pair swapped
back), and ``od -c``'s characters (``   d   b   :  \\n``). The ASCII column is never read: it shows ``.`` for
what it cannot print, a line break among them.

Each line is read once, by splitting, never by a pattern that backtracks over it (a line is attacker-written)."""

from __future__ import annotations

import re

_OFFSET = re.compile(r" {0,8}([0-9A-Fa-f]{4,16})(:?)(?= |$)")
"""A dump line's offset, at its start: ``00000010:`` (xxd), ``00000010`` (hexdump -C), ``0000020`` (od)."""
_OD_CHAR = re.compile(r"   [^\s\\]|  \\[0abfnrtv]| [0-3][0-7]{2}|    ")
"""One field of ``od -c``: four characters wide, a character, an escape or an octal byte, right-aligned."""
_OD_ESCAPES = {"0": 0, "a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
MIN_BYTES = 8
"""Bytes a dump holds at least to be read (a line of numbers with a leading one is no dump)."""


def dump_bytes(text: str, most: int) -> list[tuple[str, bytes]]:
    """``(label, bytes)`` for each run of dump lines of ``text`` (at most ``most`` runs, one more to say so)."""
    found: list[tuple[str, bytes]] = []
    run: list[bytes] = []
    kind, first, offsets = "", 0, []  # offsets: of od -c's lines, whose trailing spaces an editor may have cut
    for number, line in enumerate([*text.splitlines(), ""], 1):
        read = _dump_line(line)
        if read is not None and (not run or read[0] == kind):
            kind, first = read[0], first or number
            run.append(read[2])
            offsets.append(read[1])
            continue
        if run:
            data = b"".join(_padded(run, offsets) if kind == "od -c" else run)
            data = data[:-1] if kind == "words" and data.endswith(b"\0") else data  # an odd length's last word
            if len(data) >= MIN_BYTES:
                lines = f"line {first}" if len(run) == 1 else f"lines {first}-{number - 1}"
                found.append((f"{'od -c output' if kind == 'od -c' else 'hex dump'} on {lines}", data))
            run, offsets, first = [], [], 0
            if len(found) > most:
                break
        if read is not None:  # a dump of the other kind begins here
            kind, first = read[0], number
            run, offsets = [read[2]], [read[1]]
    return found


def _dump_line(line: str) -> tuple[str, int, bytes] | None:
    """``(kind, offset, bytes)`` of one dump line, ``None`` if it is none."""
    offset = _OFFSET.match(line)
    if offset is None:
        return None
    rest = line[offset.end():]
    if not offset.group(2) and len(offset.group(1)) == 7 and all(c in "01234567" for c in offset.group(1)):
        chars = _od_chars(rest)
        if chars is not None:
            return "od -c", int(offset.group(1), 8), chars
    if offset.group(2):  # xxd: its ASCII column follows the first two spaces
        cut = rest.find("  ", 1)
        rest = rest if cut < 0 else rest[:cut]
    else:
        for opening, closing in (("|", "|"), (">", "<")):
            if rest.rstrip().endswith(closing) and f"  {opening}" in rest:
                rest = rest[:rest.find(f"  {opening}")]
                break
    groups = rest.split()
    if not all(len(g) % 2 == 0 and len(g) <= 32 and _hex(g) for g in groups):
        return None
    words = len(offset.group(1)) == 7 and not offset.group(2) and groups and all(len(g) == 4 for g in groups)
    data = b"".join(bytes.fromhex(g[2:] + g[:2]) if words else bytes.fromhex(g) for g in groups)
    return "words" if words else "hex", 0, data


def _hex(group: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in group)


def _od_chars(rest: str) -> bytes | None:
    """The bytes of an ``od -c`` line after its offset (fields four wide), ``None`` if it is not one."""
    if len(rest) > 4 * 64:
        return None
    rest = rest.ljust(-(-len(rest) // 4) * 4)  # its last field, a space, may have lost its spaces
    data = bytearray()
    for at in range(0, len(rest), 4):
        field = rest[at:at + 4]
        if not _OD_CHAR.fullmatch(field):
            return None
        token = field.strip()
        data += (b" " if not token else bytes([_OD_ESCAPES[token[1]]]) if token[0] == "\\" and len(token) == 2
                 else bytes([int(token, 8)]) if len(token) == 3 else token.encode())
    return bytes(data)


def _padded(run: list[bytes], offsets: list[int]) -> list[bytes]:
    """``od -c``'s lines, each as long as the next line's offset says: a line ending in spaces may have lost them."""
    return [data + b" " * max(0, offsets[at + 1] - offsets[at] - len(data)) if at + 1 < len(run) else data
            for at, data in enumerate(run)]

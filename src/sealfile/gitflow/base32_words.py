"""Base32 (RFC 4648: what ``base32`` and ``basenc --base32`` write, wrapped at 76 columns, ``=``-padded; a TOTP
seed's alphabet), with or without its padding, in capitals or in lower case: a run of lines, a value or a word that
:func:`~.text_encodings.base64_runs` found (base32's alphabet is within base64's) and that is no base64 of text.

Not read: base32hex and Crockford's alphabet (no tool writes a file in them but ``basenc``), and a lower-case word
in the middle of a line (a name, as it is for base64)."""

from __future__ import annotations

import re

from sealfile.gitflow.text_encodings import MIN_BASE64, text_or_archive

_UPPER = re.compile(r"[A-Z2-7]+=*")
_LOWER = re.compile(r"[a-z2-7]+=*")
_LENGTHS = frozenset({0, 2, 4, 5, 7})
"""Characters of a last group of eight that base32 writes (1 to 4 bytes, or none)."""

_SHORT = 32
"""Characters of base32 read whatever text they decode to (20 bytes)."""
_HEAD = 160
"""Characters decoded first (100 bytes): Python decodes base32 eight characters at a time, a second for 8 MiB,
which a word of no text is not worth."""


def from_base32(encoded: str) -> bytes | None:
    """The bytes ``encoded`` holds if it is base32 of text or of an archive, else ``None``: never a word shorter than
    :data:`~.text_encodings.MIN_BASE64` (``PASSWORD``, ``HISTSIZE`` decode to five bytes, often printable), one
    shorter than :data:`_SHORT` only if its text has lines or a setting (``A=x\nB=y\n``: sixteen characters)."""
    import base64
    import binascii

    if len(encoded) < MIN_BASE64 or not (_UPPER.fullmatch(encoded) or _LOWER.fullmatch(encoded)):
        return None
    bare = encoded.rstrip("=").upper()
    if len(bare) % 8 not in _LENGTHS or (len(bare) > _HEAD and not _text_ahead(base64.b32decode(bare[:_HEAD]))):
        return None
    try:
        data = base64.b32decode(bare + "=" * (-len(bare) % 8))
    except (binascii.Error, ValueError):
        return None
    found = text_or_archive(data)
    if found is not None and len(encoded) < _SHORT and not any(c in found for c in b"\n=:"):
        return None
    return found


def _text_ahead(head: bytes) -> bool:
    """Whether ``head`` may begin a text (its last character may be cut) or an archive."""
    import codecs

    if text_or_archive(head) is not None:  # an archive's magic, or text whole
        return True
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\n\r\t" for c in text)

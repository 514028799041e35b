"""Base32 (RFC 4648: what ``base32`` and ``basenc --base32`` write, wrapped at 76 columns, ``=``-padded; a TOTP
seed's alphabet), with or without its padding, in capitals or in lower case: a run of lines, a value or a word that
:func:`~.text_encodings.base64_runs` found (base32's alphabet is within base64's) and that is no base64 of text.

base32hex and Crockford's alphabet too, for a word RFC 4648's alphabet cannot be (:data:`_OTHERS`). Not read: a
lower-case word in the middle of a line (a name, as it is for base64)."""

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
    if len(encoded) < MIN_BASE64:
        return None
    if _UPPER.fullmatch(encoded) or _LOWER.fullmatch(encoded):
        return _decoded(encoded.rstrip("=").upper(), encoded)
    for word, alphabet in _OTHERS:  # a word no RFC 4648 base32 is: each other alphabet it is written in
        if word.fullmatch(encoded) and (found := _decoded(encoded.rstrip("=").upper().translate(alphabet),
                                                          encoded)) is not None:
            return found
    return None


_STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_OTHERS = ((re.compile(r"[0-9A-V]+=*|[0-9a-v]+=*"), str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUV", _STANDARD)),
           (re.compile(r"[0-9A-HJKMNP-TV-Z]+|[0-9a-hjkmnp-tv-z]+"),
            str.maketrans("0123456789ABCDEFGHJKMNPQRSTVWXYZ", _STANDARD)))
"""base32hex (``basenc --base32hex``: DNSSEC's NSEC3, padded) and Crockford's base32 (no padding, no I L O U: what
ULIDs and many a tool's IDs are written in), each as the RFC 4648 alphabet it is translated to: a word in their
digits 0, 1, 8, 9, which RFC 4648's base32 has not."""


def _decoded(bare: str, encoded: str) -> bytes | None:
    """The text or archive ``bare`` (in RFC 4648's alphabet, unpadded, upper case) holds, else ``None``."""
    import base64
    import binascii

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

"""The seal of a file: a digest anyone can compute, and a MAC only a data-key holder can.

Version 2 (docs/format.md §7): the **seal digest** is SHA-256 over the version, the rule, every
recipient stanza with all its fields and its wrapped key (and the key groups' threshold), and
every (path, value) leaf in document order; it needs no key, so a writer's signature can cover it
and anyone can check that signature. The **MAC** is HMAC-SHA256 of that digest under a key
derived from the data key: only a holder of the data key can make it.

Version 1 (still read): the MAC was HMAC-SHA256 straight over version, rule and leaves, without
the recipients.

Both cover ciphertexts as text (no decryption needed) and plaintext values by their typed
encoding, so verifying needs one pass and fails before any value is decrypted.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sealfile.envelope.hashing import sha256
from sealfile.errors import IntegrityError
from sealfile.model.metadata import Metadata
from sealfile.model.path_fold import path_codes
from sealfile.model.paths import Leaf
from sealfile.model.scalars import Styled, encode_scalar, is_sealed

_MAC_INFO = {1: b"sealfile v1 file mac", 2: b"sealfile v2 file mac"}
SIGNED_MESSAGE_HEADER = b"sealfile seal v2\n"

EncodedLeaf = tuple[bytes, bytes]
"""``(encode_path(path), leaf_bytes(value))``: a leaf as the seal sees it."""


def mac_key(data_key: bytes, version: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_MAC_INFO[version]).derive(data_key)


def leaf_bytes(value: Any) -> bytes:
    """How one leaf enters the seal: sealed text, a typed plaintext, or an empty container.

    A plaintext enters without its style (quoting, null spelling): that is layout, not data.
    """
    if isinstance(value, dict):
        return b"{"
    if isinstance(value, list):
        return b"["
    if is_sealed(value):
        return b"E" + str(value).encode("ascii")
    return b"P" + encode_scalar(value.value if isinstance(value, Styled) else value)


def encode_leaves(leaves: Iterable[Leaf]) -> Iterable[EncodedLeaf]:
    codes = path_codes()
    return ((codes(path), leaf_bytes(value)) for path, value in leaves)


def _content(meta: Metadata, leaves: Iterable[EncodedLeaf]) -> bytes:
    """Length-framed parts, one after another (a frame is a 4-byte big-endian length, then the part)."""
    head = [b"sealfile-mac", str(meta.version).encode(), meta.rules.canonical()]
    if meta.version >= 2:
        head.append(meta.canonical_recipients())
    parts = [piece for part in head for piece in (len(part).to_bytes(4, "big"), part)]
    frames, short = _FRAMES, len(_FRAMES)
    for encoded_path, leaf in leaves:  # framed inline: this loop runs once per value
        path_size, leaf_size = len(encoded_path), len(leaf)
        parts += (frames[path_size] if path_size < short else path_size.to_bytes(4, "big"), encoded_path,
                  frames[leaf_size] if leaf_size < short else leaf_size.to_bytes(4, "big"), leaf)
    return b"".join(parts)


_FRAMES = [size.to_bytes(4, "big") for size in range(1024)]
"""The frames of the usual part sizes, made once (a third of the framing loop's time was making them)."""


def seal_digest(meta: Metadata, leaves: Iterable[EncodedLeaf]) -> bytes:
    """The keyless digest of a version 2 seal: what a signature covers (the MAC and signature excluded)."""
    return sha256(_content(meta, leaves))


def _mac(data_key: bytes, meta: Metadata, leaves: Iterable[EncodedLeaf]) -> hmac.HMAC:
    h = hmac.HMAC(mac_key(data_key, meta.version), hashes.SHA256())
    h.update(seal_digest(meta, leaves) if meta.version >= 2 else _content(meta, leaves))
    return h


def compute_mac(data_key: bytes, meta: Metadata, leaves: Iterable[EncodedLeaf]) -> str:
    """The MAC for ``meta`` (its own ``mac`` and ``signature`` are not part of it) and ``leaves``."""
    return base64.b64encode(_mac(data_key, meta, leaves).finalize()).decode("ascii")


def verify_mac(data_key: bytes, meta: Metadata, leaves: Iterable[EncodedLeaf],
               *earlier: Iterable[EncodedLeaf]) -> None:
    """Constant-time check of ``meta.mac`` (``HMAC.verify``) over ``leaves``, or over one of the ``earlier``
    forms of the same file's entries that older writers sealed; :class:`IntegrityError` on any difference."""
    try:
        expected = base64.b64decode(meta.mac, validate=True)
    except ValueError:
        raise IntegrityError("the file MAC is malformed") from None
    for candidate in (leaves, *earlier):
        try:
            _mac(data_key, meta, candidate).verify(expected)
            return
        except InvalidSignature:
            continue
    raise IntegrityError("the file MAC does not match: the file was altered or damaged")


def signed_message(digest: bytes, mac: str) -> bytes:
    """The exact bytes a writer's SSH signature covers (docs/format.md §9)."""
    return SIGNED_MESSAGE_HEADER + b"digest sha256:" + digest.hex().encode() + b"\nmac " + mac.encode() + b"\n"

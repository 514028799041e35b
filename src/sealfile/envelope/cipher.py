"""Sealing one scalar: its type, its style, its path and how it was written go inside one Fernet token.

Token plaintext (docs/format.md §5): ``path digest (16 bytes) || value payload``, where the value
payload is ``tag || text`` (:func:`~sealfile.model.scalars.encode_scalar`), or, when the store
records how the value was spelled in the file, ``"L" || length (4 bytes) || tag || text ||
layout``. The digest binds the token to its key path; Fernet authenticates all of it, and the
time Fernet records is when the value was last set (kept when a value is re-sealed unchanged).
"""

from __future__ import annotations

import base64
import time
from typing import Any

from sealfile.envelope.hashing import sha256
from sealfile.errors import IntegrityError
from sealfile.model.paths import Path, format_keypath
from sealfile.model.scalars import ENC_RE, Styled, decode_scalar, decode_value

DIGEST_BYTES = 16
_LAYOUT_TAG = b"L"


def pack_payload(encoded_value: bytes, layout: bytes = b"") -> bytes:
    """A value payload: ``encoded_value`` alone, or with the store's ``layout`` record after it."""
    if not layout:
        return encoded_value
    return _LAYOUT_TAG + len(encoded_value).to_bytes(4, "big") + encoded_value + layout


def unpack_payload(payload: bytes) -> tuple[bytes, bytes]:
    """``(tag || text, layout)`` of a value payload (``layout`` is empty when none was recorded)."""
    if payload[:1] != _LAYOUT_TAG:
        return payload, b""
    size = int.from_bytes(payload[1:5], "big")
    if len(payload) < 5 + size or size == 0:
        raise IntegrityError("a sealed value is malformed")
    return payload[5:5 + size], payload[5 + size:]


def payload_value(payload: bytes) -> Any:
    """The value a value payload holds (its recorded layout left aside)."""
    return decode_value(unpack_payload(payload)[0])


def now() -> int:
    """The time a value sealed now records (Fernet's: whole seconds since the epoch)."""
    return int(time.time())


def path_digest(encoded_path: bytes) -> bytes:
    """The digest that binds a token to its key path, remembered: a write opens, seals and reads back
    every value, and the digests of its paths are the same each time (they are public: anyone can hash
    a path)."""
    found = _DIGESTS.get(encoded_path)
    if found is None:
        if len(_DIGESTS) >= _DIGESTS_KEPT:
            _DIGESTS.clear()
        found = _DIGESTS[encoded_path] = sha256(encoded_path)[:DIGEST_BYTES]
    return found


_DIGESTS: dict[bytes, bytes] = {}
_DIGESTS_KEPT = 1 << 15
"""At most this many digests are remembered (~4 MB; a process reading many files starts afresh when full)."""


class ValueCipher:
    """Opening one token: Fernet under the file's data key, with path binding (tokens are sealed,
    one or many, by :func:`sealfile.envelope.bulk.seal_many`)."""

    def __init__(self, data_key: bytes):
        from cryptography.fernet import Fernet  # one token at a time: many go through bulk.py without it

        self._fernet = Fernet(base64.urlsafe_b64encode(data_key))

    def open_payload(self, encoded_path: bytes, sealed: str, path: Path = ()) -> bytes:
        """The value payload (:func:`unpack_payload` splits it); :class:`IntegrityError` (naming
        ``path``, the value's key path, if given) if forged or moved."""
        match = ENC_RE.match(sealed)
        if match is None:
            raise IntegrityError("not a sealed value", keypath=format_keypath(path) or None)
        from cryptography.fernet import InvalidToken

        try:
            payload = self._fernet.decrypt(match.group(1))
        except InvalidToken:
            raise IntegrityError("a value failed authentication", keypath=format_keypath(path) or None) from None
        # a plain comparison: the digest is public (anyone can hash the path) and the token authenticated
        if len(payload) <= DIGEST_BYTES or payload[:DIGEST_BYTES] != path_digest(encoded_path):
            raise IntegrityError("a value is bound to another key path", keypath=format_keypath(path) or None)
        return payload[DIGEST_BYTES:]

    def authenticates(self, sealed: str) -> bool:
        """Whether ``sealed`` was sealed under this data key, wherever it sits (its path is not checked): its
        HMAC checked, nothing decrypted (this is asked of a file whose MAC failed)."""
        from cryptography.fernet import InvalidToken

        match = ENC_RE.match(sealed)
        try:
            return match is not None and self._fernet.extract_timestamp(match.group(1)) >= 0
        except InvalidToken:
            return False

    def open(self, encoded_path: bytes, sealed: str) -> Styled:
        return decode_scalar(unpack_payload(self.open_payload(encoded_path, sealed))[0])

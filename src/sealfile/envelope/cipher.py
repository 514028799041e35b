"""Sealing one scalar: its type, its style, its path and how it was written go inside one Fernet token.

Token plaintext (docs/format.md §5): ``path digest (16 bytes) || value payload``, where the value
payload is ``tag || text`` (:func:`~sealfile.model.scalars.encode_scalar`), or, when the store
records how the value was spelled in the file, ``"L" || length (4 bytes) || tag || text ||
layout``. The digest binds the token to its key path; Fernet authenticates all of it, and the
time Fernet records is when the value was last set (kept when a value is re-sealed unchanged).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from sealfile.errors import IntegrityError
from sealfile.model.scalars import ENC_RE, Styled, decode_scalar, encode_scalar

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


def path_digest(encoded_path: bytes) -> bytes:
    return hashlib.sha256(encoded_path).digest()[:DIGEST_BYTES]


class ValueCipher:
    """Fernet under the file's data key, with path binding. ``clock`` is injectable for tests."""

    def __init__(self, data_key: bytes, clock: Callable[[], int] | None = None):
        self._fernet = Fernet(base64.urlsafe_b64encode(data_key))
        self._clock = clock or (lambda: int(time.time()))

    def seal(self, encoded_path: bytes, value: Any, style: str | None = None, layout: bytes = b"") -> str:
        return self.seal_payload(encoded_path, pack_payload(encode_scalar(value, style), layout))

    def seal_payload(self, encoded_path: bytes, value_payload: bytes) -> str:
        """A token for a value payload (:func:`pack_payload`)."""
        payload = path_digest(encoded_path) + value_payload
        token = self._fernet.encrypt_at_time(payload, self._clock())
        return f"ENC[{token.decode('ascii')}]"

    def open_payload(self, encoded_path: bytes, sealed: str) -> bytes:
        """The value payload (:func:`unpack_payload` splits it); :class:`IntegrityError` if forged or moved."""
        match = ENC_RE.match(sealed)
        if match is None:
            raise IntegrityError("not a sealed value")
        try:
            payload = self._fernet.decrypt(match.group(1))
        except InvalidToken:
            raise IntegrityError("a value failed authentication") from None
        if len(payload) <= DIGEST_BYTES or not hmac.compare_digest(
            payload[:DIGEST_BYTES], path_digest(encoded_path)
        ):
            raise IntegrityError("a value is bound to another key path")
        return payload[DIGEST_BYTES:]

    def open(self, encoded_path: bytes, sealed: str) -> Styled:
        return decode_scalar(unpack_payload(self.open_payload(encoded_path, sealed))[0])

    def rotate(self, sealed: str, old: ValueCipher) -> str:
        """Re-encrypt under this cipher's key, keeping the payload and the time it was set."""
        match = ENC_RE.match(sealed)
        if match is None:
            raise IntegrityError("not a sealed value")
        try:
            token = MultiFernet([self._fernet, old._fernet]).rotate(match.group(1))
        except InvalidToken:
            raise IntegrityError("a value failed authentication") from None
        return f"ENC[{token.decode('ascii')}]"

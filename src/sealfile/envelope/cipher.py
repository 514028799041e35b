"""Sealing one scalar: its type, its YAML style and its path go inside one Fernet token.

Token plaintext (docs/format.md §5): ``path digest (16 bytes) || tag (1 byte) || value``. The
digest binds the token to its key path; Fernet authenticates all of it, and the time Fernet
records is when the value was last set (kept when a value is re-sealed unchanged).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from sealfile.errors import FormatError, IntegrityError
from sealfile.model.scalars import ENC_RE, Styled, decode_scalar, encode_scalar

DIGEST_BYTES = 16


def path_digest(encoded_path: bytes) -> bytes:
    return hashlib.sha256(encoded_path).digest()[:DIGEST_BYTES]


class ValueCipher:
    """Fernet under the file's data key, with path binding. ``clock`` is injectable for tests."""

    def __init__(self, data_key: bytes, clock: Callable[[], int] | None = None):
        self._fernet = Fernet(base64.urlsafe_b64encode(data_key))
        self._clock = clock or (lambda: int(time.time()))

    def seal(self, encoded_path: bytes, value: Any, style: str | None = None) -> str:
        return self.seal_encoded(encoded_path, encode_scalar(value, style))

    def seal_encoded(self, encoded_path: bytes, encoded_value: bytes) -> str:
        """A token for a value already in its ``tag || text`` form (:func:`encode_scalar`)."""
        payload = path_digest(encoded_path) + encoded_value
        token = self._fernet.encrypt_at_time(payload, self._clock())
        return f"ENC[{token.decode('ascii')}]"

    def open_encoded(self, encoded_path: bytes, sealed: str) -> bytes:
        """The value's ``tag || text`` bytes; :class:`IntegrityError` if forged or moved."""
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
        return decode_scalar(self.open_encoded(encoded_path, sealed))

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


def token_time(sealed: str) -> int:
    """When a value was last set: Fernet's timestamp, readable without the key (bytes 1..9)."""
    match = ENC_RE.match(sealed)
    if match is None:
        raise FormatError("not a sealed value")
    try:
        raw = base64.urlsafe_b64decode(match.group(1))
    except ValueError:  # binascii.Error: bad padding in a damaged token
        raise FormatError("a sealed value is damaged (not a Fernet token)") from None
    if len(raw) < 9:
        raise FormatError("a sealed value is damaged (not a Fernet token)")
    return int.from_bytes(raw[1:9], "big")

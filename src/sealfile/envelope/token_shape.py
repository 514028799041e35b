"""What a Fernet token shows without its key: its shape and when it was made.

Kept apart from :mod:`sealfile.envelope.cipher` so that keyless readers (``status``, the age
checks of ``load_secrets``) date values without importing ``cryptography``.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable

from sealfile.errors import FormatError
from sealfile.model.paths import Path, format_keypath

FERNET_HEADER, FERNET_TAG, AES_BLOCK = 1 + 8 + 16, 32, 16
"""A Fernet token's version, timestamp and IV; its HMAC tag; the AES block its ciphertext fills."""
_DAMAGED = "a sealed value is damaged (not a Fernet token)"
LATEST_TIME = 253_402_300_799
"""The last second of the year 9999: no clock seals later, and no date shows a later time (``status``
failed on one, an internal error: OverflowError)."""


FERNET_VERSION = b"\x80"


def fernet_shaped(size: int, head: bytes) -> bool:
    """Whether ``size`` bytes starting with ``head`` can be a Fernet token: version byte 0x80,
    timestamp, IV, whole AES blocks (at least one) and the HMAC tag."""
    return head[:1] == FERNET_VERSION and fernet_sized(size)


def fernet_sized(size: int) -> bool:
    """Whether a Fernet token can be ``size`` bytes long (see :func:`fernet_shaped`)."""
    body = size - FERNET_HEADER - FERNET_TAG
    return body >= AES_BLOCK and body % AES_BLOCK == 0


def token_times(tokens: Iterable[tuple[Path, str]]) -> list[int]:
    """When each value was last set, in order: Fernet's timestamp (bytes 1..9), readable without
    the key. Each ``(path, token)`` holds a sealed value (:func:`~sealfile.model.scalars.is_sealed`,
    which every reader checks first); a token too damaged to date is refused naming its path.

    Only a token's first 12 base64 characters (its 9-byte header) are decoded, and its length
    checked for a Fernet token's shape: ``status`` dates every value of a file, and decoding whole
    tokens to read 8 bytes of each was most of its work. Tokens sealed in the same second share
    those 12 characters, so each distinct header is decoded once, and tokens of one length and
    padding share a shape, checked once."""
    headers: dict[str, int] = {}
    shapes: set[tuple[int, int]] = set()
    times: list[int] = []
    for path, token in tokens:
        when = headers.get(token[:16])  # "ENC[" and the header
        if when is None or token[-1:] != "]" or _shape(token) not in shapes:
            try:
                when = _time_of(token, headers, shapes)
            except FormatError as err:
                err.keypath = format_keypath(path)
                raise
        times.append(when)
    return times


def dated(sealed: str) -> bool:
    """Whether an ``ENC[...]`` value has a Fernet token's shape and a time :func:`token_times` can read:
    what the keyless checks (``check``) call a valid token, as ``status`` and ``load_secrets`` date it."""
    try:
        _time_of(sealed, {}, set())
    except FormatError:
        return False
    return True


def _time_of(sealed: str, headers: dict[str, int], shapes: set[tuple[int, int]]) -> int:
    """``sealed``'s time, remembering its header's (by ``sealed[:16]``) and, once checked, its :func:`_shape`."""
    if not (sealed.startswith("ENC[") and sealed.endswith("]")):
        raise FormatError("not a sealed value")
    text = sealed[4:-1]
    padding = len(text) - len(text.rstrip("="))
    if len(text) % 4 or not fernet_sized(len(text) * 3 // 4 - padding):
        raise FormatError(_DAMAGED)
    shape = _shape(sealed)
    if shape[1] < 3:
        shapes.add(shape)
    when = headers.get(sealed[:16])
    if when is None:
        when = headers[sealed[:16]] = _header_time(text[:12])
    return when


def _shape(sealed: str) -> tuple[int, int]:
    """A token's length and how many '=' end its base64 text (3 for three or more, never remembered):
    with its ']' and its header, all that its check depends on."""
    tail = sealed[-4:-1]
    return len(sealed), len(tail) - len(tail.rstrip("="))


_URL_SAFE = bytes.maketrans(b"-_", b"+/")


def _header_time(head_text: str) -> int:
    try:
        # base64.urlsafe_b64decode's own steps: the base64 module (with struct) cost status ~2 M instructions
        head = binascii.a2b_base64(head_text.encode("ascii").translate(_URL_SAFE))
    except ValueError:  # binascii.Error or a character beyond ASCII: a damaged token
        raise FormatError(_DAMAGED) from None
    if len(head) < 9 or head[:1] != FERNET_VERSION:
        raise FormatError(_DAMAGED)
    when = int.from_bytes(head[1:9], "big")
    if when > LATEST_TIME:
        raise FormatError("a sealed value is damaged (sealed after the year 9999)")
    return when

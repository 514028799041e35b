"""Opening and sealing every value of a file at once: the same Fernet tokens, the same checks, fewer calls.

Why: ``Fernet.decrypt`` costs ~27 us per value, mostly in building a fresh HMAC and a fresh
AES-CBC context for each token; a 30,000-value file spent most of its load time there. This
module checks exactly what ``Fernet.decrypt`` (cryptography 4x, no TTL) checks, in the same
order: version byte, length, then the HMAC-SHA256 over everything before the tag (a copy of one
keyed context per token, :mod:`sealfile.envelope.hashing`, compared in constant time), and only when every
token of the file has passed, decrypts all of them with one AES call. CBC decryption of a
block is its decryption XOR the block before it (the IV for the first block), so one CBC pass
over every token's IV and ciphertext, one after another, decrypts every token. PKCS7 padding is
then checked per token; after the HMAC check a padding difference cannot be an oracle.

Any failure is the same opaque :class:`IntegrityError` that :class:`ValueCipher` raises, with
the key path of the value.

Sealing is the same in reverse, and the same cost split: ``Fernet.encrypt`` takes ~35 us per value.
:func:`seal_many` builds exactly the token ``Fernet.encrypt_at_time`` builds (version 0x80, the
8-byte big-endian time, a 16-byte random IV, AES-128-CBC of the PKCS7-padded plaintext, then
HMAC-SHA256 under the signing half over all of that, urlsafe base64 with padding). CBC encryption
is sequential within a token (block r is AES(plaintext r XOR ciphertext r-1), the IV before block
0) but independent across tokens, so it runs in rounds: round r XORs block r of every token that
has one with that token's previous ciphertext block and encrypts them all with one ECB call. The
IVs come from one ``os.urandom`` call, as ``Fernet`` takes each from ``os.urandom``.
``tests/envelope/test_bulk.py`` checks both directions against ``Fernet`` itself: valid and
damaged tokens opened, sealed tokens decrypted by ``Fernet.decrypt``.
"""

from __future__ import annotations

import binascii
import os
import struct
from binascii import a2b_base64, b2a_base64
from collections.abc import Callable, Sequence
from itertools import zip_longest
from operator import itemgetter

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sealfile.envelope.cipher import DIGEST_BYTES, path_digest
from sealfile.envelope.hashing import HmacSha256
from sealfile.envelope.token_shape import AES_BLOCK as _BLOCK
from sealfile.envelope.token_shape import FERNET_HEADER as _HEADER
from sealfile.envelope.token_shape import FERNET_TAG as _TAG
from sealfile.envelope.token_shape import FERNET_VERSION as _VERSION
from sealfile.envelope.token_shape import fernet_shaped
from sealfile.errors import IntegrityError


def open_many(
    data_key: bytes, items: Sequence[tuple[bytes, str]], keypath_of: Callable[[int], str]
) -> list[bytes]:
    """For each ``(encoded path, "ENC[...]" text)``, the value's ``tag || text`` bytes (docs/format.md §5).

    The same result as :meth:`ValueCipher.open_payload` on each item; on the first bad item,
    :class:`IntegrityError` naming ``keypath_of(index)``.
    """
    signing, encryption_key = HmacSha256(data_key[:16]), data_key[16:]
    tokens = _tokens_bytes([sealed for _, sealed in items])
    for index, data in enumerate(tokens):
        if data is None or not signing.matches(data[:-_TAG], data[-_TAG:]):
            raise IntegrityError("a value failed authentication", keypath=keypath_of(index))
    checked: list[bytes] = tokens  # type: ignore[assignment]  # every one decoded (None raised above)
    plain = _decrypt_cbc_all(encryption_key, checked)
    payloads: list[bytes] = []
    offset = 0
    for index, data in enumerate(checked):
        start, end = offset + _BLOCK, offset + len(data) - _IV_AT - _TAG  # past the token's IV block; its end
        pad = plain[end - 1]
        if not 1 <= pad <= _BLOCK or plain[end - pad:end] != _PADDING[pad]:
            raise IntegrityError("a value failed authentication", keypath=keypath_of(index))
        # a plain comparison: the digest is public (anyone can hash the path) and the token authenticated
        if end - pad - start <= DIGEST_BYTES or plain[start:start + DIGEST_BYTES] != path_digest(items[index][0]):
            raise IntegrityError("a value is bound to another key path", keypath=keypath_of(index))
        payloads.append(plain[start + DIGEST_BYTES:end - pad])
        offset = end
    return payloads


_PADDING = [bytes((pad,)) * pad for pad in range(_BLOCK + 1)]
"""PKCS7's padding of each length."""


def _tokens_bytes(texts: list[str]) -> list[bytes | None]:
    """The decoded token of each text if it has Fernet's shape (version, whole blocks), else ``None``.

    Callers pass texts already checked with :func:`is_sealed`; the prefix test keeps a stray text
    from being decoded (Fernet's base64 decoding skips foreign characters, as here). ASCII texts
    are encoded and translated in one call (a third of the cost of opening a token was there)."""
    joined = "\n".join(texts)
    if joined.isascii() and joined.count("\n") == len(texts) - 1:
        raws: list[bytes | None] = list(joined.encode("ascii").translate(_FROM_URLSAFE).split(b"\n")) if texts else []
    else:  # rare: a text with a line break or a character that is not ASCII, on its own
        raws = [text.encode("ascii").translate(_FROM_URLSAFE) if text.isascii() else None for text in texts]
    decoded: list[bytes | None] = []
    for raw in raws:  # inline: this loop runs once per value
        data = None
        if raw is not None and raw[:4] == b"ENC[" and raw[-1:] == b"]":
            try:  # base64.urlsafe_b64decode without its wrappers
                data = a2b_base64(raw[4:-1])
            except binascii.Error:
                pass
            else:
                data = data if fernet_shaped(len(data), data) else None
        decoded.append(data)
    return decoded


_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _decrypt_cbc_all(key: bytes, tokens: list[bytes]) -> bytes:
    """Each token's IV and ciphertext, one after another, decrypted in one AES-CBC pass: a block's
    plaintext is its decryption XOR the block before it, so every ciphertext block decrypts under its
    own token's IV or its own previous block. Each token's share of the result is one block of no
    meaning (its IV's decryption), then its padded plaintext."""
    stream = b"".join(map(_IV_AND_CIPHERTEXT, tokens))
    if not stream:
        return b""
    decryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(_BLOCK))).decryptor()
    return decryptor.update(stream) + decryptor.finalize()


_IV_AT = _HEADER - _BLOCK
"""Where a Fernet token's IV starts (after the version byte and the time)."""
_IV_AND_CIPHERTEXT = itemgetter(slice(_IV_AT, -_TAG))


def seal_many(data_key: bytes, items: Sequence[tuple[bytes, bytes]], times: int | Sequence[int]) -> list[str]:
    """For each ``(encoded path, value payload)`` (:func:`pack_payload`), its ``ENC[...]`` token:
    Fernet's token of ``path digest || payload`` sealed at ``times`` (one Unix time for all, or one
    per item), which :meth:`ValueCipher.open_payload` and :func:`open_many` open."""
    if not items:
        return []
    if isinstance(times, int):
        headers = [_VERSION + times.to_bytes(8, "big")] * len(items)
    elif len(times) == len(items):
        headers = [_VERSION + stamp.to_bytes(8, "big") for stamp in times]
    else:
        raise ValueError("one time per item, or one for all")
    signing, encryption_key = HmacSha256(data_key[:16]), data_key[16:]
    padded = [_padded(path_digest(path) + payload) for path, payload in items]
    ivs = _blocks(os.urandom(_BLOCK * len(items)))
    ciphertexts = _encrypt_cbc_all(encryption_key, padded, ivs)
    del padded  # each step's lists dropped once used: the next reuses their memory, not fresh pages
    bodies = [b"".join(parts) for parts in zip(headers, ivs, ciphertexts, strict=True)]
    del ivs, ciphertexts
    # every token encoded, then translated and decoded in one call each, split at the line breaks between
    # them; the first token's "ENC[" and the last one's "]" are joined in too (not added to the whole text:
    # a copy of it, ~130 fresh pages at 3,000 values)
    encoded = [b2a_base64(body + signing.digest(body), newline=False) for body in bodies]
    del bodies
    encoded[0] = b"ENC[" + encoded[0]
    encoded[-1] += b"]"
    return b"]\nENC[".join(encoded).translate(_TO_URLSAFE).decode("ascii").split("\n")


def _padded(plaintext: bytes) -> bytes:
    """PKCS7 to the AES block, as ``Fernet`` pads (a whole block of padding after a full one)."""
    pad = _BLOCK - len(plaintext) % _BLOCK
    return plaintext + bytes((pad,)) * pad


def _blocks(data: bytes) -> tuple[bytes, ...]:
    """``data`` (whole AES blocks) cut into its blocks, in one call."""
    return struct.unpack(f"{_BLOCK}s" * (len(data) // _BLOCK), data)


def _encrypt_cbc_all(key: bytes, padded: list[bytes], ivs: Sequence[bytes]) -> list[bytes]:
    """AES-CBC of each padded plaintext under its IV, in rounds of one block.

    Tokens are taken longest first, so the tokens with a block ``r`` are a prefix of that order and
    round ``r``'s ciphertext is, block for block, the previous blocks of round ``r + 1``."""
    order = sorted(range(len(padded)), key=[-len(plaintext) for plaintext in padded].__getitem__)
    ordered = [padded[index] for index in order]
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    previous = b"".join([ivs[index] for index in order])
    rounds: list[tuple[bytes, ...]] = []
    count = len(ordered)
    offset = 0
    while count:
        plain = b"".join(map(itemgetter(slice(offset, offset + _BLOCK)), ordered[:count]))
        size = len(plain)
        mixed = int.from_bytes(plain, "big") ^ int.from_bytes(previous[:size], "big")
        previous = encryptor.update(mixed.to_bytes(size, "big"))
        rounds.append(_blocks(previous))
        offset += _BLOCK
        while count and len(ordered[count - 1]) <= offset:
            count -= 1
    encryptor.finalize()
    ciphertexts = [b""] * len(padded)
    # rank k's blocks are block k of each round it reaches: a transpose, shorter tokens padded with nothing
    for index, ciphertext in zip(order, map(b"".join, zip_longest(*rounds, fillvalue=b"")), strict=True):
        ciphertexts[index] = ciphertext
    return ciphertexts

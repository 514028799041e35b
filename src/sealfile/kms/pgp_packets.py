"""Which keys an armored OpenPGP message is encrypted to, read before gpg sees it (RFC 4880 §4-5).

gpg decrypts whatever message it is given, with whatever it has or can ask for: a message
encrypted to a passphrase (a symmetric-key session key packet) makes gpg-agent show a
passphrase prompt the file's writer chose, and one encrypted to several keys, or to a hidden
recipient (key ID 0), makes it try, and ask for, every secret key of the keyring. A wrapped data
key is a message for one key, as ``gpg --encrypt -r FINGERPRINT`` writes it: public-key session
key packets, then one encrypted data packet. Anything else is refused here, so the pgp provider
runs gpg only on a message whose every recipient is the key its stanza names.
"""

from __future__ import annotations

import base64
import binascii

from sealfile.errors import FormatError

PKESK, SKESK, SEIPD, AEAD = 1, 3, 18, 20
ENCRYPTED_DATA = frozenset({SEIPD, AEAD})
_BEGIN, _END = "-----BEGIN PGP MESSAGE-----", "-----END PGP MESSAGE-----"


def recipient_key_ids(armored: str) -> list[str]:
    """The key IDs (16 upper-case hex digits) the message's session key is encrypted to."""
    packets = _packets(_dearmor(armored))
    if not packets or packets[-1][0] not in ENCRYPTED_DATA:
        raise FormatError("not an OpenPGP message encrypted to a key")
    key_ids = []
    for tag, body in packets[:-1]:
        if tag == SKESK:
            raise FormatError("the OpenPGP message is encrypted to a passphrase, not to a key")
        if tag != PKESK or len(body) < 10 or body[0] != 3:
            raise FormatError(f"unexpected OpenPGP packet (tag {tag}) before the encrypted data")
        key_id = body[1:9].hex().upper()
        if key_id == "0" * 16:
            raise FormatError("the OpenPGP message hides its recipient (key ID 0)")
        key_ids.append(key_id)
    if not key_ids:
        raise FormatError("not an OpenPGP message encrypted to a key")
    return key_ids


def _dearmor(armored: str) -> bytes:
    start, end = armored.find(_BEGIN), armored.find(_END)
    if start < 0 or end < start:
        raise FormatError("not an OpenPGP message (no ASCII armor)")
    lines = armored[start + len(_BEGIN):end].strip("\r\n").splitlines()
    blank = next((i for i, line in enumerate(lines) if not line.strip()), None)
    body = lines[blank + 1:] if blank is not None else lines  # armor headers end at a blank line
    data = "".join(line.strip() for line in body if not line.startswith("="))  # "=XXXX": the CRC-24 line
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise FormatError("not an OpenPGP message (bad base64)") from None


def _packets(data: bytes) -> list[tuple[int, bytes]]:
    """Top-level packets as (tag, body); the encrypted data packet must be the last."""
    packets: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(data):
        if packets and packets[-1][0] in ENCRYPTED_DATA:
            raise FormatError("the OpenPGP message goes on after its encrypted data")
        ctb = data[offset]
        if not ctb & 0x80:
            raise FormatError("not an OpenPGP message (not a packet)")
        if ctb & 0x40:
            tag, (body, offset) = ctb & 0x3F, _new_body(data, offset + 1)
        else:
            tag, (body, offset) = (ctb >> 2) & 0x0F, _old_body(data, offset + 1, ctb & 0x03)
        packets.append((tag, body))
    return packets


def _new_body(data: bytes, offset: int) -> tuple[bytes, int]:
    """A new-format packet's body (partial lengths joined) and the offset after it."""
    chunks = []
    while True:
        first = _byte(data, offset)
        if first < 192:
            length, offset = first, offset + 1
        elif first < 224:
            length, offset = ((first - 192) << 8) + _byte(data, offset + 1) + 192, offset + 2
        elif first == 255:
            length, offset = int.from_bytes(_slice(data, offset + 1, 4), "big"), offset + 5
        else:  # a partial body length: this chunk, then another length
            chunks.append(_slice(data, offset + 1, 1 << (first & 0x1F)))
            offset += 1 + (1 << (first & 0x1F))
            continue
        chunks.append(_slice(data, offset, length))
        return b"".join(chunks), offset + length


def _old_body(data: bytes, offset: int, length_type: int) -> tuple[bytes, int]:
    if length_type == 3:  # indeterminate: to the end
        return data[offset:], len(data)
    size = 1 << length_type
    length = int.from_bytes(_slice(data, offset, size), "big")
    return _slice(data, offset + size, length), offset + size + length


def _byte(data: bytes, offset: int) -> int:
    if offset >= len(data):
        raise FormatError("not an OpenPGP message (truncated)")
    return data[offset]


def _slice(data: bytes, offset: int, length: int) -> bytes:
    if offset + length > len(data):
        raise FormatError("not an OpenPGP message (truncated)")
    return data[offset:offset + length]

"""OpenSSH's SSHSIG signatures (PROTOCOL.sshsig), as ``ssh-keygen -Y sign`` makes and ``-Y verify`` checks.

What the key signs, for a message M under namespace N (SSH wire encoding, ``string`` = uint32 length
and bytes)::

    "SSHSIG" || string N || string "" || string "sha512" || string SHA-512(M)

The signature blob is ``"SSHSIG" || uint32 1 || string publickey || string N || string "" ||
string "sha512" || string signature``, armored as base64 in 70-column lines between
``-----BEGIN SSH SIGNATURE-----`` and ``-----END SSH SIGNATURE-----``, exactly as ssh-keygen writes.

Verification is stricter than OpenSSH's: only sha512, an empty reserved field (OpenSSH ignores its
content, which would let anyone alter a signature without invalidating it), and no trailing bytes.
Every failure is one opaque :class:`SignatureError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable

from sealfile.envelope import ssh_wire
from sealfile.envelope.ssh_keys import SshPublicKey
from sealfile.errors import ConfigError, FormatError, SignatureError, SigningError

SEALFILE_NAMESPACE = "sealfile"
MAGIC = b"SSHSIG"
VERSION = 1
HASH_ALGORITHM = "sha512"
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
ARMOR_COLUMNS = 70
# A 16384-bit RSA key and its signature fit in 5 KiB of blob; anything larger is not a signature.
MAX_ARMORED_LENGTH = 16 * 1024

RawSigner = Callable[[bytes], bytes]
"""Signs the given bytes with the private half of a key, returning an SSH signature blob."""


def _namespace_bytes(namespace: str) -> bytes:
    if not namespace or "\0" in namespace:
        raise ValueError("an SSHSIG namespace must be non-empty and free of NUL")
    return namespace.encode("utf-8")


def signed_data(message: bytes, namespace: str) -> bytes:
    """The bytes the key signs for ``message`` under ``namespace`` (PROTOCOL.sshsig section 3)."""
    return b"".join((
        MAGIC,
        ssh_wire.string(_namespace_bytes(namespace)),
        ssh_wire.string(b""),
        ssh_wire.string(HASH_ALGORITHM.encode()),
        ssh_wire.string(hashlib.sha512(message).digest()),
    ))


def armor(blob: bytes) -> str:
    encoded = base64.b64encode(blob).decode("ascii")
    lines = [encoded[i:i + ARMOR_COLUMNS] for i in range(0, len(encoded), ARMOR_COLUMNS)]
    return "\n".join([BEGIN, *lines, END]) + "\n"


def dearmor(armored: str) -> bytes:
    """The blob inside an armored signature; one trailing newline (or none) and CRLF line ends are fine."""
    if len(armored) > MAX_ARMORED_LENGTH:
        raise SignatureError("signature does not verify")
    lines = armored.replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    if len(lines) < 3 or lines[0] != BEGIN or lines[-1] != END:
        raise SignatureError("signature does not verify")
    try:
        return base64.b64decode("".join(lines[1:-1]), validate=True)
    except binascii.Error:
        raise SignatureError("signature does not verify") from None


def sign(message: bytes, namespace: str, public_key: SshPublicKey, sign_raw: RawSigner) -> str:
    """Sign ``message`` under ``namespace`` with ``sign_raw`` (a private key or an agent) for ``public_key``.

    The result is read back through :func:`verify` before it is returned, so a signer that answers
    with another key, a SHA-1 RSA signature or garbage raises :class:`SigningError` here.
    """
    signature = sign_raw(signed_data(message, namespace))
    blob = b"".join((
        MAGIC,
        ssh_wire.uint32(VERSION),
        ssh_wire.string(public_key.blob),
        ssh_wire.string(_namespace_bytes(namespace)),
        ssh_wire.string(b""),
        ssh_wire.string(HASH_ALGORITHM.encode()),
        ssh_wire.string(signature),
    ))
    armored = armor(blob)
    try:
        signer = verify(message, armored, namespace)
    except SignatureError:
        raise SigningError(f"the signature made with {public_key.fingerprint} does not verify") from None
    if signer != public_key:
        raise SigningError(f"the signature made with {public_key.fingerprint} names another key")
    return armored


def signer_key(armored: str) -> SshPublicKey:
    """The key a signature claims to be from, without checking the signature (``find-principals``)."""
    return _parse(armored)[0]


def verify(message: bytes, armored: str, namespace: str) -> SshPublicKey:
    """Check an armored signature over ``message`` under ``namespace``; return the key that made it.

    This proves only that the holder of that key signed; whether the key is trusted is the caller's
    question (see ``allowed_signers``).
    """
    expected_namespace = _namespace_bytes(namespace)
    key, namespace_field, signature = _parse(armored)
    if namespace_field != expected_namespace:
        raise SignatureError("signature does not verify")
    key.verify(signature, signed_data(message, namespace))
    return key


def _parse(armored: str) -> tuple[SshPublicKey, bytes, bytes]:
    """``(key, namespace, signature)`` from an armored SSHSIG whose fixed fields hold our values."""
    try:
        reader = ssh_wire.WireReader(dearmor(armored))
        if reader.raw(len(MAGIC)) != MAGIC or reader.uint32() != VERSION:
            raise FormatError("not an SSHSIG v1 signature")
        key = SshPublicKey.from_blob(reader.string())
        namespace, reserved, hash_algorithm = reader.string(), reader.string(), reader.string()
        signature = reader.string()
        reader.finish()
    except (FormatError, ConfigError):
        raise SignatureError("signature does not verify") from None
    if reserved or hash_algorithm != HASH_ALGORITHM.encode():
        raise SignatureError("signature does not verify")
    return key, namespace, signature

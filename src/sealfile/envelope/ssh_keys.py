"""OpenSSH public keys and their raw signatures, for SSHSIG and ssh-agent.

A key is known by its wire blob (RFC 4253 section 6.6); its fingerprint is the one ``ssh-keygen -l``
prints. Supported: ssh-ed25519, ecdsa-sha2-nistp256/384/521 and ssh-rsa (2048 to 16384 bits, signing
with rsa-sha2-512). A key whose blob is not exactly the canonical encoding is refused, so one key has
one blob and one fingerprint. Parsing and key checks are cryptography's; this module only frames.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from sealfile.envelope import ssh_wire
from sealfile.errors import ConfigError, FormatError, SignatureError

VerifyingKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
SigningKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
SIGNING_KEY_CLASSES = (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)

ED25519 = "ssh-ed25519"
RSA = "ssh-rsa"
# ECDSA key type -> the hash its signatures use (RFC 5656 section 6.2.1)
ECDSA_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "ecdsa-sha2-nistp256": hashes.SHA256,
    "ecdsa-sha2-nistp384": hashes.SHA384,
    "ecdsa-sha2-nistp521": hashes.SHA512,
}
SUPPORTED_KEY_TYPES = (ED25519, *ECDSA_HASHES, RSA)
RSA_SIGNATURE_ALGORITHM = "rsa-sha2-512"
# The legacy "ssh-rsa" (SHA-1) signature is deliberately absent.
RSA_SIGNATURE_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "rsa-sha2-512": hashes.SHA512,
    "rsa-sha2-256": hashes.SHA256,
}
# Below 2048 bits RSA is too weak to trust; above 16384 (OpenSSH's own limit) a key only costs work.
RSA_MIN_BITS = 2048
RSA_MAX_BITS = 16384
_SUPPORTED_TEXT = "ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa"
CERTIFICATE_SUFFIX = "-cert-v01@openssh.com"


def _unsupported(key_type: str) -> ConfigError:
    shown = key_type[:60]
    if shown.endswith(CERTIFICATE_SUFFIX):
        return ConfigError(f"SSH certificates ({shown}) are not supported; use the plain public key")
    return ConfigError(f"SSH key type {shown!r} is not supported (use {_SUPPORTED_TEXT})")


@dataclass(frozen=True)
class SshPublicKey:
    """One public key. Equal keys have equal blobs; the comment is a label, not part of the key."""

    key_type: str
    blob: bytes = field(repr=False)
    comment: str = field(default="", compare=False)
    _key: VerifyingKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.key_type not in SUPPORTED_KEY_TYPES:
            raise _unsupported(self.key_type)
        line = self.key_type.encode("ascii") + b" " + base64.b64encode(self.blob)
        try:
            key = serialization.load_ssh_public_key(line)
        except (ValueError, TypeError, NotImplementedError, UnsupportedAlgorithm):
            # cryptography says NotImplementedError for a compressed ECDSA point: still just malformed
            raise ConfigError(f"malformed {self.key_type} public key") from None
        canonical = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        if base64.b64decode(canonical.split()[1]) != self.blob:
            raise ConfigError(f"malformed {self.key_type} public key (not its canonical encoding)")
        if isinstance(key, rsa.RSAPublicKey) and not RSA_MIN_BITS <= key.key_size <= RSA_MAX_BITS:
            raise ConfigError(f"RSA key of {key.key_size} bits refused (use {RSA_MIN_BITS} to {RSA_MAX_BITS} bits)")
        object.__setattr__(self, "_key", key)

    @classmethod
    def from_blob(cls, blob: bytes, comment: str = "") -> SshPublicKey:
        """A key in wire form, as SSHSIG and ssh-agent carry it."""
        try:
            key_type = ssh_wire.WireReader(blob).text()
        except FormatError:
            raise ConfigError("malformed SSH public key") from None
        return cls(key_type, blob, comment)

    @classmethod
    def from_line(cls, line: str) -> SshPublicKey:
        """A line of ``id_ed25519.pub`` or ``authorized_keys`` without options: ``TYPE BASE64 [COMMENT]``."""
        fields = line.strip().split(maxsplit=2)
        if "\n" in line.strip() or "\r" in line.strip():
            raise ConfigError("more than one line where one OpenSSH public key belongs")
        if len(fields) < 2:
            raise ConfigError("not an OpenSSH public key (expected 'ssh-ed25519 AAAA... comment')")
        if fields[0] not in SUPPORTED_KEY_TYPES:
            raise _unsupported(fields[0])
        try:
            blob = base64.b64decode(fields[1], validate=True)
        except binascii.Error:
            raise ConfigError(f"malformed {fields[0]} public key (bad base64)") from None
        comment = fields[2].strip() if len(fields) == 3 else ""
        if not _is_utf8(comment):  # the line is written into the sealed file
            raise ConfigError("the OpenSSH public key's comment holds bytes that are not UTF-8 text")
        return cls(fields[0], blob, comment)

    @classmethod
    def of(cls, key: SigningKey | VerifyingKey, comment: str = "") -> SshPublicKey:
        """The public half of a cryptography key object."""
        public = key.public_key() if isinstance(key, SIGNING_KEY_CLASSES) else key
        line = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        key_type, encoded = line.decode("ascii").split()
        return cls(key_type, base64.b64decode(encoded), comment)

    @property
    def fingerprint(self) -> str:
        """``SHA256:`` and unpadded base64 of the blob's SHA-256, exactly as ``ssh-keygen -l`` prints it."""
        digest = hashlib.sha256(self.blob).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")

    def to_line(self) -> str:
        line = f"{self.key_type} {base64.b64encode(self.blob).decode('ascii')}"
        return f"{line} {self.comment}" if self.comment else line

    def verify(self, signature: bytes, data: bytes) -> None:
        """Check an SSH signature blob (``string algorithm, string body``) over ``data``.

        Raises :class:`SignatureError` for anything but a valid signature by this key with an
        algorithm of its type; never says which check failed.
        """
        try:
            reader = ssh_wire.WireReader(signature)
            algorithm, body = reader.text(), reader.string()
            reader.finish()
            self._verify_body(algorithm, body, data)
        except (FormatError, InvalidSignature, ValueError):
            raise SignatureError("signature does not verify") from None

    def _verify_body(self, algorithm: str, body: bytes, data: bytes) -> None:
        key = self._key
        if isinstance(key, ed25519.Ed25519PublicKey) and algorithm == ED25519:
            key.verify(body, data)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm == self.key_type:
            reader = ssh_wire.WireReader(body)
            r, s = reader.mpint(), reader.mpint()
            reader.finish()
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(ECDSA_HASHES[algorithm]()))
        elif isinstance(key, rsa.RSAPublicKey) and algorithm in RSA_SIGNATURE_HASHES:
            size = (key.key_size + 7) // 8
            if len(body) > size:
                raise InvalidSignature
            # Some agents drop leading zero bytes; OpenSSH pads them back, and so do we.
            key.verify(body.rjust(size, b"\0"), data, padding.PKCS1v15(), RSA_SIGNATURE_HASHES[algorithm]())
        else:
            raise InvalidSignature



def sign_with_private_key(key: SigningKey, data: bytes) -> bytes:
    """The SSH signature blob of ``data``, as ssh-agent would return it (RSA: rsa-sha2-512)."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return ssh_wire.string(ED25519.encode()) + ssh_wire.string(key.sign(data))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        key_type = SshPublicKey.of(key).key_type
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(ECDSA_HASHES[key_type]())))
        return ssh_wire.string(key_type.encode()) + ssh_wire.string(ssh_wire.mpint(r) + ssh_wire.mpint(s))
    body = key.sign(data, padding.PKCS1v15(), RSA_SIGNATURE_HASHES[RSA_SIGNATURE_ALGORITHM]())
    return ssh_wire.string(RSA_SIGNATURE_ALGORITHM.encode()) + ssh_wire.string(body)


def _is_utf8(text: str) -> bool:
    """Whether ``text`` holds no byte that was not UTF-8 (read with ``surrogateescape``, as ``sys.argv`` is)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

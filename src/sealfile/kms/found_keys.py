"""Private keys written out in a text: a key file committed, an identity pasted into a config or a comment.

Found without using them (no key is tried, nothing is asked), each with the recipient it is the private half
of where the text says so: an age identity (its public key follows from it), an OpenSSH private key (its
header names the public key even when the rest is passphrase-protected), an unencrypted PEM key (``ssh-keygen
-m PEM``). ``review`` and ``check`` compare that recipient with the recipients of the repository's sealed files
and creation rules: a committed identity of one of them opens those files for whoever reads the repository.
Other private keys (TLS, PGP, a passphrase-protected PEM key) are found by their armor alone.

A text is attacker-controlled: at most :data:`MAX_DERIVED` keys of one text are parsed for their recipient;
the rest are reported by kind. An armor counts only with a key in it (an END line within
:data:`MAX_BLOCK_CHARS`, base64 between): code and documentation name the armor without one.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import IO

import pyrage
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from sealfile.envelope import ssh_wire
from sealfile.envelope.ssh_keys import SshPublicKey
from sealfile.errors import ConfigError, FormatError
from sealfile.kms.ssh_identities import OPENSSH_MAGIC, header_public_key

MAX_DERIVED = 16
MARKERS = ("AGE-SECRET-KEY-1", "PRIVATE KEY-----", "PRIVATE KEY BLOCK-----")
"""Every private key this module finds holds one of these (case ignored): cheap to look for first, and the
fixed strings ``git grep -F`` is given."""

_AGE_IDENTITY = re.compile(r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", re.IGNORECASE)
_PEM_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ ){0,8})PRIVATE KEY( BLOCK)?-----")
_BODY = re.compile(r"[A-Za-z0-9+/]{40}")
"""A key's armor holds one (base64 lines); a mention of the armor's name, or an empty pair, is no key."""
MAX_BLOCK_CHARS = 65536
"""A private key's armor is a few kilobytes (RSA 16384: about 12); an END further on is not looked for."""
_KINDS = {"OPENSSH ": "an OpenSSH private key", "RSA ": "an RSA private key", "EC ": "an EC private key",
          "DSA ": "a DSA private key", "ENCRYPTED ": "a passphrase-protected private key",
          "PGP ": "an OpenPGP private key", "": "a private key"}


@dataclass(frozen=True)
class FoundKey:
    kind: str
    """What it is, as a sentence names it: ``an age identity``, ``an OpenSSH private key``..."""
    line: int
    opens: str | None = None
    """The recipient it is the private half of (``age1...``, or ``ssh-ed25519 AAAA...`` as a recipient is
    written), where the text says so without a passphrase; else None."""
    name: str | None = None
    """That recipient as sealfile names recipients (``ssh-ed25519 SHA256:...`` for an SSH key)."""
    protected: bool = False
    """Passphrase-protected, as far as the text says (an OpenSSH key's cipher, a PEM key's ``ENCRYPTED``)."""
    unread: bool = False
    """Past the :data:`MAX_DERIVED` keys of its text: whose key it is was not worked out, though it may say."""
    digest: str = field(default="", repr=False)
    """A digest of its text (whitespace aside): which key it is where ``opens`` is unknown (a TLS key another
    replaced is no key seen before; a digest, never the text, is kept)."""

    @property
    def identity(self) -> tuple[str, str]:
        """The same key at another line or indentation, and no other key, has the same identity."""
        return self.kind, self.opens or self.digest

    def describe(self) -> str:
        protected = ", passphrase-protected" if self.protected and "protected" not in self.kind else ""
        return f"line {self.line}: {self.kind}" + (f" (of {self.name}{protected})" if self.name else
                                                   f" ({protected[2:]})" if protected else "")


def holds_marker(text: str) -> bool:
    """Whether ``text`` may hold a private key (every one :func:`found_keys` finds does)."""
    return any(marker in text for marker in MARKERS) or MARKERS[0].lower() in text.lower()


_CHUNK = 1 << 20


def stream_holds_marker(stream: IO[bytes]) -> bool:
    """:func:`holds_marker` for bytes of any length (a file larger than a text is read whole), in bounded chunks;
    case ignored, as ``git grep -i`` finds them."""
    markers = [marker.lower().encode("ascii") for marker in MARKERS]
    overlap = max(map(len, markers)) - 1  # a marker across two chunks
    tail = b""
    while chunk := stream.read(_CHUNK):
        window = tail + chunk.lower()
        if any(marker in window for marker in markers):
            return True
        tail = window[-overlap:]
    return False


def found_keys(text: str) -> list[FoundKey]:
    """Every private key written out in ``text``, in order; never its text."""
    if not holds_marker(text):
        return []
    found: list[tuple[int, int, str, str | None, bool, bool]] = []
    for tried, match in enumerate(_AGE_IDENTITY.finditer(text)):
        opens = _age_recipient(match.group(0)) if tried < MAX_DERIVED else None
        if opens is not None or tried >= MAX_DERIVED:  # a checksum that fails: a placeholder, no key
            found.append((match.start(), match.end(), "an age identity", opens, False, tried >= MAX_DERIVED))
    begins = list(_PEM_BEGIN.finditer(text))
    for index, match in enumerate(begins):
        label = match.group(1)
        kind = _KINDS.get(label, f"a {label.strip()} private key")
        end_marker = f"-----END {label}PRIVATE KEY{match.group(2) or ''}-----"
        # up to the next armor at most: each character is searched once, however many armors a text holds
        until = min(begins[index + 1].start() if index + 1 < len(begins) else len(text), match.end() + MAX_BLOCK_CHARS)
        end = text.find(end_marker, match.end(), until)
        if end < 0 or not _BODY.search(text, match.end(), end):  # the armor's name alone: code, or docs
            continue
        opens, protected, unread = None, label == "ENCRYPTED ", False
        if not match.group(2):  # an OpenPGP key names no recipient sealfile has
            unread = len(found) >= MAX_DERIVED
            if not unread:
                block = text[match.start():end + len(end_marker)].encode("ascii", "replace")
                opens, protected = _pem_recipient(block, label), protected or _protected(block, label)
        found.append((match.start(), end + len(end_marker), kind, opens, protected, unread))
    keys, line, counted = [], 1, 0
    for start, end, kind, opens, protected, unread in sorted(found):  # lines counted once, in order
        line, counted = line + text.count("\n", counted, start), start
        keys.append(FoundKey(kind, line, opens, _name(opens), protected, unread, _digest(text[start:end])))
    return keys


def _digest(block: str) -> str:
    import hashlib  # lazily: the hot commands never find a key

    return hashlib.sha256("".join(block.split()).upper().encode("utf-8", "replace")).hexdigest()


def _name(recipient: str | None) -> str | None:
    if recipient is None or recipient.startswith("age1"):
        return recipient
    key = SshPublicKey.from_line(recipient)
    return f"{key.key_type} {key.fingerprint}"


def _age_recipient(identity: str) -> str | None:
    try:
        return str(pyrage.x25519.Identity.from_str(identity.upper()).to_public())
    except pyrage.IdentityError:
        return None


def _protected(block: bytes, label: str) -> bool:
    """An OpenSSH key names its cipher (``none`` unless protected); a PEM key says ``Proc-Type: 4,ENCRYPTED``."""
    if label != "OPENSSH ":
        return b"ENCRYPTED" in block
    body = block.split(b"-----")[2]
    try:
        reader = ssh_wire.WireReader(base64.b64decode(b"".join(body.split()), validate=True))
        reader.raw(len(OPENSSH_MAGIC))
        return reader.string() != b"none"
    except (binascii.Error, FormatError):
        return False


def _pem_recipient(data: bytes, label: str) -> str | None:
    try:
        if label == "OPENSSH ":
            return header_public_key(data).to_line()
        key = load_pem_private_key(data, password=None, unsafe_skip_rsa_key_validation=True)
    except (FormatError, ConfigError, TypeError, ValueError, UnsupportedAlgorithm):
        return None  # protected (TypeError), not a key cryptography reads, or damaged: found by its armor alone
    if not isinstance(key, (Ed25519PrivateKey, RSAPrivateKey)):
        return None
    try:
        return SshPublicKey.of(key).to_line()
    except ConfigError:  # an RSA size no SSH recipient has
        return None

"""SSH public keys as recipients (ssh-ed25519, ssh-rsa), through pyrage's age SSH support.

The wrapped data key is an ASCII-armored age file for the SSH key, exactly what
``age -R ~/.ssh/id_ed25519.pub`` writes, so ``age -d -i ~/.ssh/id_ed25519`` opens it and what
``age -R`` wrote opens here. A recipient is given as the public key line or as the path of a
``.pub`` file; it is stored as the public key line and known by its fingerprint
(``ssh-ed25519 SHA256:...``, as ``ssh-keygen -l`` prints it).

Private keys are looked for in ``SEALFILE_SSH_KEY_FILE`` (a path) when set, else in
``SOPS_AGE_SSH_PRIVATE_KEY_FILE`` (SOPS's setting), else ``~/.ssh/id_ed25519`` and
``~/.ssh/id_rsa``; one readable by group or others is refused, as ssh refuses it. age cannot use
an SSH key through ssh-agent, and sealfile never asks for a passphrase: a passphrase-protected
key is named as such in the error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_ssh_private_key

from sealfile.envelope.ssh_keys import ED25519, RSA, SshPublicKey
from sealfile.errors import ConfigError
from sealfile.kms.age import age_decrypt, age_encrypt
from sealfile.kms.age_identities import check_private
from sealfile.kms.base import MasterKey

KEY_FILE_ENV = "SEALFILE_SSH_KEY_FILE"
SOPS_KEY_FILE_ENV = "SOPS_AGE_SSH_PRIVATE_KEY_FILE"
DEFAULT_KEY_FILES = ("~/.ssh/id_ed25519", "~/.ssh/id_rsa")
MAX_KEY_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class SshIdentity:
    """A private key age can use, and the public key it answers to."""

    public: SshPublicKey
    identity: Any


def identity_files() -> list[Path]:
    for variable in (KEY_FILE_ENV, SOPS_KEY_FILE_ENV):
        named = os.environ.get(variable, "").strip()
        if named:
            return [Path(named).expanduser()]
    return [Path(path).expanduser() for path in DEFAULT_KEY_FILES]


@lru_cache(maxsize=16)
def _read_identity(path: Path, _mtime_ns: int) -> SshIdentity | str:
    """The identity in ``path``, or why it cannot be used (never the key's text)."""
    check_private(path)
    data = path.read_bytes()[:MAX_KEY_FILE_BYTES]
    try:
        key = load_ssh_private_key(data, password=None)
    except TypeError:  # cryptography's way of saying the key is encrypted
        return f"{path} is passphrase-protected"
    except (ValueError, NotImplementedError):
        return f"{path} is not an OpenSSH private key"
    try:
        if not isinstance(key, (Ed25519PrivateKey, RSAPrivateKey)):
            raise TypeError
        return SshIdentity(SshPublicKey.of(key), pyrage.ssh.Identity.from_buffer(data))
    except (ConfigError, pyrage.IdentityError, TypeError):
        return f"{path} is not an ed25519 or RSA key"


def find_identities() -> tuple[list[SshIdentity], list[str]]:
    """The usable private keys, and a note per key file that exists but cannot be used."""
    found: list[SshIdentity] = []
    notes: list[str] = []
    for path in identity_files():
        try:
            mtime = path.stat().st_mtime_ns
        except (FileNotFoundError, NotADirectoryError):
            continue
        result = _read_identity(path, mtime)
        if isinstance(result, str):
            notes.append(result)
        else:
            found.append(result)
    return found, notes


def _public_key_text(value: str) -> str:
    """The key line itself, or the first key line of a ``.pub`` file it names."""
    value = value.strip()
    if value.startswith((ED25519 + " ", RSA + " ", "ssh-", "ecdsa-", "sk-")) or "-----BEGIN" in value:
        return value
    path = Path(value).expanduser()
    try:
        text = path.read_text(encoding="utf-8")[:MAX_KEY_FILE_BYTES]
    except (OSError, UnicodeDecodeError):
        raise ConfigError(f"not an SSH public key, nor a readable .pub file: {value!r}") from None
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        raise ConfigError(f"{path}: no SSH public key in it")
    return lines[0]


@dataclass(frozen=True, repr=False)
class SshKey(MasterKey):
    recipient: str
    """The public key line, ``ssh-ed25519 AAAA... [comment]``."""

    type_id = "ssh"
    cost = 10
    local = True

    def __post_init__(self) -> None:
        text = self.recipient.strip()
        if "PRIVATE KEY" in text:
            # never echo it: someone pasted a private key where the public key goes
            raise ConfigError("an SSH private key was given where its public key belongs (the .pub file)")
        public = SshPublicKey.from_line(text)
        if public.key_type not in (ED25519, RSA):
            raise ConfigError(f"{public.key_type} keys cannot be age recipients (use an ed25519 or RSA key)")
        object.__setattr__(self, "recipient", public.to_line())

    @cached_property
    def public_key(self) -> SshPublicKey:
        return SshPublicKey.from_line(self.recipient)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SshKey:
        recipient = config.get("recipient")
        if not isinstance(recipient, str):
            raise ConfigError("an ssh recipient needs 'recipient: ssh-ed25519 AAAA...'")
        return cls(recipient)

    @classmethod
    def from_cli(cls, value: str) -> SshKey:
        return cls(_public_key_text(value))

    def to_config(self) -> dict[str, Any]:
        return {"recipient": self.recipient}

    @property
    def key_id(self) -> str:
        return f"{self.public_key.key_type} {self.public_key.fingerprint}"

    def _wrap(self, data_key: bytes) -> str:
        return age_encrypt(data_key, pyrage.ssh.Recipient.from_str(self.recipient))

    def _unwrap(self, wrapped: str) -> bytes:
        identities, notes = find_identities()
        matching = [found.identity for found in identities if found.public == self.public_key]
        if not matching:
            looked = ", ".join(str(path) for path in identity_files())
            raise self.unwrap_error(f"no matching SSH private key (looked in {looked}"
                                    + "".join(f"; {note}" for note in notes) + ")")
        return age_decrypt(self, wrapped, matching)

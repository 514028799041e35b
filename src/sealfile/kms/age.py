"""age recipients (X25519, and SSH keys as SOPS allows them), through pyrage (the Rust ``rage``).

The wrapped data key is an ASCII-armored age file, so ``age -d -i KEYFILE`` opens it too.
Identities are looked for in sealfile's places and in SOPS's (:mod:`sealfile.kms.age_identities`);
a file may hold several identities.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage

from sealfile.errors import ConfigError
from sealfile.kms.age_identities import check_private, looked_in, ssh_identities, x25519_identities
from sealfile.kms.base import MasterKey

SSH_PREFIXES = ("ssh-ed25519 ", "ssh-rsa ")


@dataclass(frozen=True, repr=False)
class AgeKey(MasterKey):
    recipient: str

    type_id = "age"
    cost = 10
    local = True

    def __post_init__(self) -> None:
        if self.recipient.upper().startswith("AGE-SECRET-KEY-"):
            # never echo it: someone pasted their private identity where the public key goes
            raise ConfigError("an age identity (secret key) was given where a recipient (age1...) belongs; "
                              "use its public key, printed by 'age-keygen -y KEYFILE'")
        try:
            self._recipient()
        except pyrage.RecipientError:
            raise ConfigError(f"not an age recipient (age1... or an SSH public key): {self.recipient!r}") from None

    @property
    def is_ssh(self) -> bool:
        return self.recipient.startswith(SSH_PREFIXES)

    def _recipient(self) -> Any:
        if self.is_ssh:
            return pyrage.ssh.Recipient.from_str(self.recipient)
        return pyrage.x25519.Recipient.from_str(self.recipient)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AgeKey:
        recipient = config.get("recipient")
        if not isinstance(recipient, str):
            raise ConfigError("an age recipient needs 'recipient: age1...'")
        return cls(recipient.strip())

    @classmethod
    def from_cli(cls, value: str) -> AgeKey:
        return cls(value.strip())

    def to_config(self) -> dict[str, Any]:
        return {"recipient": self.recipient}

    @property
    def key_id(self) -> str:
        return self.recipient

    def _wrap(self, data_key: bytes) -> str:
        armored: bytes = pyrage.encrypt(data_key, [self._recipient()], armored=True)
        return armored.decode("ascii")

    def _unwrap(self, wrapped: str) -> bytes:
        identities = self._matching_identities()
        if not identities:
            raise self.unwrap_error(f"no matching identity (looked in {looked_in()})")
        try:
            return bytes(pyrage.decrypt(wrapped.encode("ascii"), identities))
        except pyrage.DecryptError as err:
            if "no matching keys" in str(err).lower():
                raise self.unwrap_error("the wrapped data key was not made for this recipient") from None
            raise self.unwrap_error("the wrapped data key is corrupt") from None
        except UnicodeEncodeError:
            raise self.unwrap_error("the wrapped data key is corrupt") from None

    def _matching_identities(self) -> list[Any]:
        if self.is_ssh:
            wanted = " ".join(self.recipient.split()[:2])  # an SSH public key without its comment
            return [ssh.identity for ssh in ssh_identities() if ssh.public == wanted]
        return [i for i in x25519_identities() if str(i.to_public()) == self.recipient]


def available_identities() -> list[pyrage.x25519.Identity]:
    """Every X25519 identity found in sealfile's and SOPS's places."""
    return x25519_identities()


def generate_identity() -> tuple[str, str]:
    """Return ``(identity, recipient)`` text for a new X25519 key."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def add_identity(path: Path) -> str:
    """Append a new identity to ``path`` (created 0600 in a 0700 directory); return its recipient."""
    identity, recipient = generate_identity()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        check_private(path)  # never append a new secret key to a file others can read
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(f"# public key: {recipient}\n{identity}\n")
    return recipient

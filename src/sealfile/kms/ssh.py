"""SSH public keys as recipients (ssh-ed25519, ssh-rsa), through pyrage's age SSH support.

The wrapped data key is an ASCII-armored age file for the SSH key, exactly what
``age -R ~/.ssh/id_ed25519.pub`` writes, so ``age -d -i ~/.ssh/id_ed25519`` opens it and what
``age -R`` wrote opens here. A recipient is given as the public key line or as the path of a
``.pub`` file; it is stored as the public key line and known by its fingerprint
(``ssh-ed25519 SHA256:...``, as ``ssh-keygen -l`` prints it).

Private keys, passphrase-protected ones too, are found and opened by
:mod:`sealfile.kms.ssh_identities`; a passphrase is asked as OpenSSH asks it, on the terminal or
through ``SSH_ASKPASS`` (:mod:`sealfile.kms.passphrase`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pyrage

from sealfile.envelope.ssh_keys import CERTIFICATE_SUFFIX, ED25519, RSA, SshPublicKey
from sealfile.errors import ConfigError
from sealfile.files.pathnames import expanded
from sealfile.kms.age import age_decrypt, age_encrypt
from sealfile.kms.base import MasterKey
from sealfile.kms.ssh_identities import MAX_KEY_FILE_BYTES, find_identities, identity_files, unlock
from sealfile.model.record import Record

_KEY_TYPE_STARTS = (ED25519 + " ", RSA + " ", "ssh-", "ecdsa-", "sk-")


def without_options(line: str) -> str:
    """An ``authorized_keys`` line without its options (``from="10.0.0.0/8",no-pty ssh-ed25519 AAAA...``):
    options say what a login may do and mean nothing to encryption, so the line a teammate's server lists
    is their recipient (the file stores the key alone, which ``age -R`` reads too). A line starting with a
    key type is returned as it is; so is one that is not options then a key, for the key parser to refuse."""
    text = line.strip()
    if text.startswith(_KEY_TYPE_STARTS):
        return text
    quoted = escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char.isspace() and not quoted:
            rest = text[index:].lstrip()
            return rest if rest.startswith(_KEY_TYPE_STARTS) and len(rest.split(maxsplit=1)) == 2 else text
    return text


def _public_key_text(value: str) -> str:
    """The key line itself (options dropped), or the first key line of a ``.pub`` or ``authorized_keys`` file
    it names."""
    value = without_options(value)
    if value.startswith(_KEY_TYPE_STARTS) or "-----BEGIN" in value:
        return value
    path = Path(expanded(value))
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            text = handle.read(MAX_KEY_FILE_BYTES)  # never the whole of it: --ssh /dev/zero read without end
    except OSError:
        raise ConfigError(f"not an SSH public key, nor a readable .pub file: {value!r}") from None
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        raise ConfigError(f"{path}: no SSH public key in it")
    return without_options(lines[0])


class SshKey(Record, MasterKey):
    _fields = ("recipient",)
    recipient: str
    """The public key line, ``ssh-ed25519 AAAA... [comment]``."""

    type_id = "ssh"
    config_fields = frozenset({"recipient"})
    cost = 15  # after age, which never asks: a protected key's passphrase is asked only if age cannot open it
    local = True
    __repr__ = MasterKey.__repr__

    def __init__(self, recipient: str) -> None:
        text = recipient.strip()
        if "PRIVATE KEY" in text:
            # never echo it: someone pasted a private key where the public key goes
            raise ConfigError("an SSH private key was given where its public key belongs (the .pub file)")
        line = without_options(text)
        fields = line.split(maxsplit=2)
        key_type = fields[0] if len(fields) > 1 and line.startswith(_KEY_TYPE_STARTS) else ""
        if key_type and key_type not in (ED25519, RSA) and not key_type.endswith(CERTIFICATE_SUFFIX):
            # before parsing: SSH keys in general (signers) may be ECDSA, which age cannot wrap for
            raise ConfigError(f"SSH key type {key_type[:60]!r} cannot be an age recipient (use an ed25519 or RSA key)")
        self._fill(SshPublicKey.from_line(line).to_line())

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

    @classmethod
    def from_text(cls, value: str) -> SshKey:
        """The key line itself: a config's ``ssh:`` entry names no file (see :meth:`MasterKey.from_text`)."""
        if value.strip().endswith(".pub") and " " not in value.strip():
            raise ConfigError("a .sealfile.yaml holds the public key line itself (the text of the .pub file), "
                              "never a file name: a pushed config would make every reader read that file")
        return cls(value)

    def to_config(self) -> dict[str, Any]:
        return {"recipient": self.recipient}

    @property
    def key_id(self) -> str:
        return f"{self.public_key.key_type} {self.public_key.fingerprint}"

    def _wrap(self, data_key: bytes) -> str:
        return age_encrypt(data_key, pyrage.ssh.Recipient.from_str(self.recipient))

    def _unwrap(self, wrapped: str) -> bytes:
        keys, notes = find_identities()
        matching = [key for key in keys if key.public == self.public_key]
        if not matching:
            looked = ", ".join(str(path) for path in identity_files())
            raise self.unwrap_error(f"no matching SSH private key (looked in {looked}"
                                    + "".join(f"; {note}" for note in notes) + ")" + self._in_agent())
        # only a key this data key was wrapped for is unlocked: a passphrase is never asked in vain
        return age_decrypt(self, wrapped, [unlock(key) for key in matching])

    def _in_agent(self) -> str:
        """A hint when the key is loaded in ssh-agent: age decrypts with the key itself, which an agent never
        gives out, so its file must be named."""
        if self.public_key not in _agent_keys(os.environ.get("SSH_AUTH_SOCK", "")):
            return ""
        return ("; the key is in ssh-agent, which cannot decrypt (age needs the key itself): point "
                "SEALFILE_SSH_KEY_FILE at its private key file")


@lru_cache(maxsize=4)
def _agent_keys(socket_path: str) -> tuple[SshPublicKey, ...]:
    """The keys of the agent at ``socket_path``, asked once per process (a file may list many SSH keys);
    none when there is no agent or it does not answer within a second."""
    from sealfile.envelope.ssh_agent import SshAgent
    from sealfile.errors import SealfileError

    try:
        return tuple(SshAgent(socket_path, timeout=1.0).identities()) if socket_path else ()
    except SealfileError:
        return ()

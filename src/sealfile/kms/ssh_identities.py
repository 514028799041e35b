"""SSH private keys as age identities: where they are looked for, and how a passphrase-protected
one is opened.

Key files: ``SEALFILE_SSH_KEY_FILE`` (a path) when set, else ``SOPS_AGE_SSH_PRIVATE_KEY_FILE``
(SOPS's setting), else ``~/.ssh/id_ed25519`` and ``~/.ssh/id_rsa``; one readable by group or
others is refused, as ssh refuses it. The OpenSSH format (what ``ssh-keygen`` writes) is read, and
the older PEM one (``-m PEM``) unless it is passphrase-protected.

A passphrase-protected key is opened as the ``age`` CLI opens one. Its public key is read from the
file's unencrypted header (OpenSSH's ``PROTOCOL.key``), so the passphrase is asked only when a
data key was wrapped for that key, and at most once per key file per process: the outcome is
kept, the opened identity or the refusal, never the passphrase. ``cryptography`` decrypts the key
in memory and age gets it as an unencrypted OpenSSH key held only in memory, never written
anywhere (Python cannot wipe those bytes; they live until collected, the identity until the
process ends). How the passphrase is asked: :mod:`sealfile.kms.passphrase`. age cannot use a key
held by ssh-agent (it needs the key itself to decrypt, and the agent only signs).
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyrage
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
    load_ssh_private_key,
)

from sealfile.envelope import ssh_wire
from sealfile.envelope.ssh_keys import ED25519, RSA, SshPublicKey
from sealfile.errors import ConfigError, FormatError
from sealfile.files.io import FileState, file_state
from sealfile.files.pathnames import expanded
from sealfile.kms import passphrase
from sealfile.kms.age_identities import check_private
from sealfile.kms.base import forgotten_in_children

KEY_FILE_ENV = "SEALFILE_SSH_KEY_FILE"
SOPS_KEY_FILE_ENV = "SOPS_AGE_SSH_PRIVATE_KEY_FILE"
DEFAULT_KEY_FILES = ("~/.ssh/id_ed25519", "~/.ssh/id_rsa")
MAX_KEY_FILE_BYTES = 64 * 1024
OPENSSH_MAGIC = b"openssh-key-v1\0"
PEM_BEGIN, PEM_END = b"-----BEGIN OPENSSH PRIVATE KEY-----", b"-----END OPENSSH PRIVATE KEY-----"


@dataclass(frozen=True)
class SshIdentity:
    """A private key age can use, and the public key it answers to."""

    public: SshPublicKey
    identity: Any


@dataclass(frozen=True)
class LockedKey:
    """A passphrase-protected key file: the public key its header names, and its (encrypted) text."""

    path: Path
    state: FileState
    public: SshPublicKey
    data: bytes = field(repr=False)


def identity_files() -> list[Path]:
    for variable in (KEY_FILE_ENV, SOPS_KEY_FILE_ENV):
        named = os.environ.get(variable, "").strip()
        if named:
            return [Path(expanded(named))]
    return [Path(expanded(path)) for path in DEFAULT_KEY_FILES]


def find_identities() -> tuple[list[SshIdentity | LockedKey], list[str]]:
    """The usable private keys (protected ones still locked), and a note per key file that exists
    but cannot be used."""
    found: list[SshIdentity | LockedKey] = []
    notes: list[str] = []
    for path in identity_files():
        try:
            state = file_state(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        result = _read_key_file(path, state)
        if isinstance(result, str):
            notes.append(result)
        else:
            found.append(result)
    return found, notes


@lru_cache(maxsize=16)
def _read_key_file(path: Path, state: FileState) -> SshIdentity | LockedKey | str:
    """The identity in ``path``, the locked key, or why it cannot be used (never the key's text)."""
    check_private(path)
    with open(path, "rb") as handle:
        data = handle.read(MAX_KEY_FILE_BYTES)  # never the whole of it: a device or a huge file read without end
    try:
        return _identity(path, load_ssh_private_key(data, password=None), data)
    except TypeError:  # cryptography's way of saying the key is encrypted
        pass
    except (ValueError, NotImplementedError, UnsupportedAlgorithm):
        return _pem_identity(path, data)
    try:
        public = header_public_key(data)
    except (FormatError, ConfigError):
        return f"{path} is not an OpenSSH private key"
    if public.key_type not in (ED25519, RSA):
        return f"{path} is not an ed25519 or RSA key"
    return LockedKey(path, state, public, data)


def _pem_identity(path: Path, data: bytes) -> SshIdentity | str:
    """A key in the older PEM format (``ssh-keygen -m PEM``: ``BEGIN RSA PRIVATE KEY``), which age
    reads too; age gets it re-encoded as an OpenSSH key, in memory."""
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:  # encrypted: its public key is not readable before the passphrase is asked
        return (f"{path} is a passphrase-protected PEM key; 'ssh-keygen -p -f {path}' rewrites it in the "
                "OpenSSH format, which sealfile opens")
    except (ValueError, UnsupportedAlgorithm):
        return f"{path} is not an OpenSSH private key"
    if not isinstance(key, (Ed25519PrivateKey, RSAPrivateKey)):
        return f"{path} is not an ed25519 or RSA key"
    return _identity(path, key, key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption()))


def _identity(path: Path, key: object, unencrypted_openssh: bytes) -> SshIdentity | str:
    if not isinstance(key, (Ed25519PrivateKey, RSAPrivateKey)):
        return f"{path} is not an ed25519 or RSA key"
    try:
        return SshIdentity(SshPublicKey.of(key), pyrage.ssh.Identity.from_buffer(unencrypted_openssh))
    except (ConfigError, pyrage.IdentityError):
        return f"{path} is not an ed25519 or RSA key"


def header_public_key(data: bytes) -> SshPublicKey:
    """The public key an OpenSSH private key file holds before its encrypted part: magic, cipher
    name, KDF name, KDF options, number of keys (1), then the public key blob."""
    start, end = data.find(PEM_BEGIN), data.find(PEM_END)
    if start < 0 or end < start:
        raise FormatError("no OpenSSH private key armor")
    try:
        blob = base64.b64decode(b"".join(data[start + len(PEM_BEGIN):end].split()), validate=True)
    except binascii.Error:
        raise FormatError("bad base64 in an OpenSSH private key") from None
    reader = ssh_wire.WireReader(blob)
    if reader.raw(len(OPENSSH_MAGIC)) != OPENSSH_MAGIC:
        raise FormatError("not an openssh-key-v1 key")
    for _cipher_kdf_and_options in range(3):
        reader.string()
    if reader.uint32() != 1:
        raise FormatError("an OpenSSH key file with more than one key")
    return SshPublicKey.from_blob(reader.string())


_opened: dict[tuple[Path, FileState], SshIdentity | str] = {}
_opening = threading.Lock()  # one prompt at a time, so two threads never ask for the same key twice


def _new_lock_in_child() -> None:
    """A thread of the parent may have been asking at the fork: its lock would stay held in the child for ever."""
    global _opening
    _opening = threading.Lock()


forgotten_in_children(_new_lock_in_child)


def unlock(key: SshIdentity | LockedKey) -> Any:
    """The pyrage identity of ``key``, asking for its passphrase the first time a locked key is used.

    Raises :class:`sealfile.kms.passphrase.PassphraseError` with one line naming the key file; the
    refusal is kept like the identity (asked once), except when nothing could ask (nobody was)."""
    if isinstance(key, SshIdentity):
        return key.identity
    with _opening:
        outcome = _opened.get((key.path, key.state))
        if outcome is None:
            outcome = _opened[key.path, key.state] = _open_locked(key)
    if isinstance(outcome, str):
        raise passphrase.PassphraseError(outcome)
    return outcome.identity


def _open_locked(key: LockedKey) -> SshIdentity | str:
    try:
        secret = passphrase.ask(f"Enter passphrase for SSH key {key.path}: ")
    except passphrase.NoWayToAsk as err:
        raise passphrase.NoWayToAsk(f"{key.path} is passphrase-protected and {err.message} "
                                    "(age cannot use ssh-agent)") from None
    except passphrase.PassphraseError as err:
        return f"{key.path}: {err.message}"
    try:
        private = load_ssh_private_key(key.data, password=secret)
    except ValueError:  # cryptography's "broken checksum": the decrypted check words differ
        return f"wrong passphrase for {key.path}"
    except (TypeError, NotImplementedError, UnsupportedAlgorithm):
        return f"{key.path} is not an OpenSSH private key"
    if not isinstance(private, (Ed25519PrivateKey, RSAPrivateKey)):
        return f"{key.path} is not an ed25519 or RSA key"
    if SshPublicKey.of(private) != key.public:
        return f"{key.path}: the public key in its header is not its private key's"
    unencrypted = private.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
    return _identity(key.path, private, unencrypted)


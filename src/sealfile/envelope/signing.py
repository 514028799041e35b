"""Who signs: the SSH key that ``SEALFILE_SIGNING_KEY`` names, as git's ``user.signingKey`` does.

The variable holds either the path of an OpenSSH private key (unencrypted: there is no prompt to
ask a passphrase), or a public key, as a ``.pub`` path or the key text itself (optionally
``key::``-prefixed, as git writes it), whose private half is in ssh-agent. The private key stays
inside a closure: no repr, error or log line ever shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from sealfile.envelope import sshsig
from sealfile.envelope.signing_env import SIGNING_KEY_ENV, signing_key_spec
from sealfile.envelope.ssh_agent import SshAgent
from sealfile.envelope.ssh_keys import (
    SIGNING_KEY_CLASSES,
    SUPPORTED_KEY_TYPES,
    SigningKey,
    SshPublicKey,
    sign_with_private_key,
)
from sealfile.errors import ConfigError, SealfileError, SigningError
from sealfile.files.io import read_text
from sealfile.files.pathnames import expanded
from sealfile.kms.age_identities import check_private

KEY_TEXT_PREFIX = "key::"


class Signer:
    """Makes armored SSHSIG signatures with one key, from a private key file or through ssh-agent."""

    def __init__(self, public_key: SshPublicKey, sign_raw: sshsig.RawSigner, *, source: str):
        self.public_key = public_key
        self._sign_raw = sign_raw
        self.source = source

    @property
    def fingerprint(self) -> str:
        return self.public_key.fingerprint

    def sign(self, message: bytes, namespace: str) -> str:
        """An armored SSHSIG over ``message``, already checked to verify with :attr:`public_key`."""
        return sshsig.sign(message, namespace, self.public_key, self._sign_raw)

    def __repr__(self) -> str:
        return f"Signer({self.public_key.key_type} {self.fingerprint}, {self.source})"

    @classmethod
    def from_private_key_file(cls, path: Path) -> Signer:
        """A signer for an unencrypted private key file (OpenSSH or PEM), refused if others can read it."""
        return cls._from_private_key(path, read_text(path))

    @classmethod
    def _from_private_key(cls, path: Path, text: str) -> Signer:
        key = _load_private_key(path, text.encode())
        return cls(SshPublicKey.of(key, path.name), lambda message: sign_with_private_key(key, message),
                   source=str(path))

    @classmethod
    def from_agent(cls, public_key: SshPublicKey, agent: SshAgent) -> Signer:
        return cls(public_key, lambda data: agent.sign(public_key, data), source=f"ssh-agent {agent.socket_path}")


def signer_from_environment(environ: Mapping[str, str] | None = None) -> Signer | None:
    """The signer ``SEALFILE_SIGNING_KEY`` names, or ``None`` when it is unset or empty."""
    spec = signing_key_spec(environ)
    if not spec:
        return None
    try:
        return load_signer(spec, environ)
    except SealfileError as err:
        raise SigningError(f"{SIGNING_KEY_ENV}: {err}") from None


def load_signer(spec: str, environ: Mapping[str, str] | None = None) -> Signer:
    """A signer from a private key path, a public key path, or public key text (``key::`` optional)."""
    if _is_key_text(spec):
        return Signer.from_agent(SshPublicKey.from_line(spec.removeprefix(KEY_TEXT_PREFIX)),
                                 SshAgent.from_environment(environ))
    path = Path(expanded(spec))
    text = read_text(path)
    if "PRIVATE KEY-----" in text:
        return Signer._from_private_key(path, text)
    try:
        public_key = SshPublicKey.from_line(text)
    except ConfigError as err:
        raise SigningError(f"{path}: neither a private key nor a usable public key: {err}") from None
    return Signer.from_agent(public_key, SshAgent.from_environment(environ))


def _is_key_text(spec: str) -> bool:
    if spec.startswith(KEY_TEXT_PREFIX):
        return True
    first = spec.split(maxsplit=1)[0]
    return " " in spec and (first in SUPPORTED_KEY_TYPES or first.startswith(("ssh-", "ecdsa-", "sk-")))


def _load_private_key(path: Path, data: bytes) -> SigningKey:
    check_private(path)
    key: object
    try:
        if b"-----BEGIN OPENSSH PRIVATE KEY-----" in data:
            key = serialization.load_ssh_private_key(data, password=None)
        else:
            key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        # cryptography's way of saying a password is needed; it never holds key material
        raise SigningError(f"{path}: the private key is passphrase-protected; add it to ssh-agent "
                           f"('ssh-add {path}') and set {SIGNING_KEY_ENV} to its public key ({path}.pub)") from None
    except (ValueError, NotImplementedError, UnsupportedAlgorithm):
        raise SigningError(f"{path}: not a usable SSH private key") from None
    if not isinstance(key, SIGNING_KEY_CLASSES):
        raise SigningError(f"{path}: this private key type cannot sign (use ed25519, ecdsa or rsa)")
    return key

"""A minimal ssh-agent client (draft-miller-ssh-agent): list identities, sign data with one of them.

It speaks to the UNIX socket named by ``SSH_AUTH_SOCK``, one connection per request, each bounded
by a timeout (an agent may wait for the user to confirm a signature). Every failure is one
:class:`SigningError` line saying what to do. Windows named pipes are not supported.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping

from sealfile.envelope import ssh_wire
from sealfile.envelope.ssh_keys import RSA, SshPublicKey
from sealfile.errors import ConfigError, FormatError, SigningError

AUTH_SOCK_ENV = "SSH_AUTH_SOCK"
DEFAULT_TIMEOUT = 30.0
FAILURE = 5
REQUEST_IDENTITIES = 11
IDENTITIES_ANSWER = 12
SIGN_REQUEST = 13
SIGN_RESPONSE = 14
RSA_SHA2_512 = 4
# OpenSSH's own bound on one agent message: an answer longer than this is not an agent talking.
MAX_MESSAGE_LENGTH = 256 * 1024


def _is_named_pipe(path: str) -> bool:
    return path.startswith(("\\\\.\\pipe\\", "//./pipe/"))


class SshAgent:
    """The agent at one socket path."""

    def __init__(self, socket_path: str, *, timeout: float = DEFAULT_TIMEOUT):
        if not hasattr(socket, "AF_UNIX") or sys.platform == "win32" or _is_named_pipe(socket_path):
            raise SigningError("ssh-agent over a Windows named pipe is not supported on this platform; "
                               "point SEALFILE_SIGNING_KEY at an unencrypted private key file instead")
        self.socket_path = socket_path
        self.timeout = timeout

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, *,
                         timeout: float = DEFAULT_TIMEOUT) -> SshAgent:
        path = (os.environ if environ is None else environ).get(AUTH_SOCK_ENV, "")
        if not path:
            raise SigningError(f"no ssh-agent: {AUTH_SOCK_ENV} is not set "
                               "(start one with 'eval $(ssh-agent)' and add the key with 'ssh-add')")
        return cls(path, timeout=timeout)

    def __repr__(self) -> str:
        return f"SshAgent({self.socket_path!r})"

    def identities(self) -> list[SshPublicKey]:
        """The agent's keys that sealfile can use (others, such as certificates, are left out)."""
        reader = self._request(REQUEST_IDENTITIES, b"", IDENTITIES_ANSWER)
        keys = []
        try:
            for _ in range(reader.uint32()):
                blob, comment = reader.string(), reader.string()
                try:
                    keys.append(SshPublicKey.from_blob(blob, comment.decode("utf-8", "replace")))
                except ConfigError:
                    continue
            reader.finish()
        except FormatError:
            raise self._malformed() from None
        return keys

    def sign(self, key: SshPublicKey, data: bytes) -> bytes:
        """The agent's SSH signature blob over ``data`` with ``key`` (RSA: rsa-sha2-512)."""
        held = self.identities()
        if key not in held:
            # a locked agent ('ssh-add -x') lists no key at all: 'add it' alone would send the user the wrong way
            locked = "" if held else " (it lists no key: if it is locked, unlock it with 'ssh-add -X')"
            raise SigningError(f"key {key.fingerprint} is not in ssh-agent at {self.socket_path}{locked}; "
                               "add its private key with 'ssh-add'")
        flags = RSA_SHA2_512 if key.key_type == RSA else 0
        payload = ssh_wire.string(key.blob) + ssh_wire.string(data) + ssh_wire.uint32(flags)
        reader = self._request(SIGN_REQUEST, payload, SIGN_RESPONSE, refused=key.fingerprint)
        try:
            signature = reader.string()
            reader.finish()
        except FormatError:
            raise self._malformed() from None
        return signature

    def _request(self, kind: int, payload: bytes, answer: int, *, refused: str = "") -> ssh_wire.WireReader:
        """Send one message; the answer of type ``answer`` as a reader past its type byte."""
        message = bytes([kind]) + payload
        response = self._exchange(ssh_wire.uint32(len(message)) + message)
        if response[:1] == bytes([answer]):
            return ssh_wire.WireReader(response[1:])
        if response[:1] == bytes([FAILURE]) and refused:
            raise SigningError(f"ssh-agent at {self.socket_path} refused to sign with {refused} "
                               "(declined confirmation, or a locked agent)")
        raise self._malformed()

    def _exchange(self, request: bytes) -> bytes:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(self.timeout)
                conn.connect(self.socket_path)
                conn.sendall(request)
                length = int.from_bytes(self._receive(conn, 4), "big")
                if length > MAX_MESSAGE_LENGTH:
                    raise self._malformed()
                return self._receive(conn, length)
        except TimeoutError:
            raise SigningError(f"ssh-agent at {self.socket_path} did not answer within {self.timeout:g} s") from None
        except OSError as err:
            raise SigningError(f"cannot reach ssh-agent at {self.socket_path}: {err.strerror or err}") from None

    def _receive(self, conn: socket.socket, length: int) -> bytes:
        chunks = []
        while length:
            chunk = conn.recv(min(length, 65536))
            if not chunk:
                raise SigningError(f"ssh-agent at {self.socket_path} closed the connection mid-answer")
            chunks.append(chunk)
            length -= len(chunk)
        return b"".join(chunks)

    def _malformed(self) -> SigningError:
        return SigningError(f"malformed answer from ssh-agent at {self.socket_path}")

"""A small Cloud KMS (v1 REST) server on 127.0.0.1, for the real ``google-cloud-kms`` client.

No KMS emulator exists, so this fake serves the two methods sealfile calls, plus the OAuth 2.0
token-exchange endpoint that Application Default Credentials use for an ``external_account``
credentials file. Keys are real AES-256-GCM keys (``cryptography``), one per key version. The
same service is served over gRPC for the sops binary by :mod:`tests.fakes.gcp_grpc`.

The REST wire, and how it was checked against Google's documentation: :mod:`tests.fakes.gcp_rest`.

The ciphertext format is the fake's own (real KMS ciphertexts are opaque too): a 4-byte version
number, a 12-byte nonce, then AES-GCM output; the request's AAD is the GCM associated data.

Fault switches on :class:`FakeGcpKms`: ``deny`` (403 for every KMS call), ``set_state`` (DISABLED
or DESTROYED versions), ``corrupt_crc`` (wrong response checksums), ``answer_name`` (encrypt
reports another key version, as a misrouted request would), ``lose_request_crc`` (encrypt acts as
if ``plaintextCrc32c`` never arrived, so ``verifiedPlaintextCrc32c`` is false), ``fail_next`` (e.g. 503
UNAVAILABLE a few times) and ``down()`` (stop listening: connection refused).
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import secrets
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import google_crc32c
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.fakes.gcp_rest import KmsFault, handler_for
from tests.fakes.local_server import LocalServer

KEY_NAME = re.compile(r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$")
VERSION_NAME = re.compile(r"^(?P<key>projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+)"
                          r"/cryptoKeyVersions/(?P<number>[0-9]+)$")
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
MAX_PLAINTEXT = 64 * 1024
SOFTWARE = 1  # ProtectionLevel.SOFTWARE; the client asks for enum-encoding=int


def crc32c(data: bytes) -> int:
    return int(google_crc32c.value(data))


@dataclass
class KeyVersion:
    number: int
    material: bytes = field(repr=False)
    state: str = "ENABLED"


@dataclass
class CryptoKey:
    name: str
    versions: dict[int, KeyVersion] = field(default_factory=dict)
    primary: int = 0

    def add_version(self) -> KeyVersion:
        version = KeyVersion(len(self.versions) + 1, AESGCM.generate_key(bit_length=256))
        self.versions[version.number] = version
        self.primary = version.number
        return version

    def version_name(self, number: int) -> str:
        return f"{self.name}/cryptoKeyVersions/{number}"


class FakeGcpKms:
    """The state and fault switches; :meth:`start` serves it on 127.0.0.1 (port 0)."""

    def __init__(self) -> None:
        self.keys: dict[str, CryptoKey] = {}
        self.subject_token = "subject-" + secrets.token_urlsafe(16)
        self.access_tokens: set[str] = set()
        self.deny = False
        self.corrupt_crc = False
        self.answer_name: str | None = None
        self.lose_request_crc = False
        self.calls: Counter[str] = Counter()
        self._failures: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server: LocalServer | None = None
        self._connections: set[socket.socket] = set()
        self._port = 0

    # -- keys and faults ---------------------------------------------------------------------
    def add_key(self, name: str) -> str:
        if not KEY_NAME.match(name):
            raise ValueError(f"not a CryptoKey name: {name}")
        key = self.keys[name] = CryptoKey(name)
        key.add_version()
        return name

    def rotate(self, name: str) -> int:
        return self.keys[name].add_version().number

    def set_state(self, name: str, state: str, version: int | None = None) -> None:
        key = self.keys[name]
        key.versions[version or key.primary].state = state

    def fail_next(self, times: int, status: str = "UNAVAILABLE", message: str = "The service is unavailable.") -> None:
        with self._lock:
            self._failures += [(status, message)] * times

    def reset(self) -> None:
        self.deny = self.corrupt_crc = False
        self.answer_name = None
        self.lose_request_crc = False
        self.calls.clear()
        with self._lock:
            self._failures.clear()
        for key in self.keys.values():
            for version in key.versions.values():
                version.state = "ENABLED"

    # -- serving -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> FakeGcpKms:
        self._server = LocalServer(("127.0.0.1", self._port), handler_for(self))
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening and drop open keep-alive connections, as a crashed service would."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    @contextmanager
    def down(self) -> Iterator[None]:
        """Stop listening (connections are refused), then serve again on the same port."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def credentials_info(self) -> dict[str, Any]:
        """An ``external_account`` ADC file whose STS ``token_url`` is this server."""
        return {
            "type": "external_account",
            "audience": "//iam.googleapis.com/locations/global/workforcePools/sealfile-tests/providers/fake",
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": f"{self.url}/token",
            "credential_source": {"file": ""},  # the fixture fills in the subject-token file
        }

    # -- the service -----------------------------------------------------------------------
    def next_failure(self) -> tuple[str, str] | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def exchange_token(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("grant_type") != TOKEN_EXCHANGE or form.get("subject_token") != self.subject_token:
            raise KmsFault("INVALID_ARGUMENT", "invalid_grant")
        token = "ya29.fake-" + secrets.token_urlsafe(16)
        self.access_tokens.add(token)
        return {"access_token": token, "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                "token_type": "Bearer", "expires_in": 3600}

    def kms_call(self, method: str, name: str, authorization: str, body: dict[str, Any]) -> dict[str, Any]:
        """``encrypt`` or ``decrypt`` with its REST JSON body, as either wire (REST or gRPC) received it."""
        self.calls[method] += 1
        if authorization.removeprefix("Bearer ") not in self.access_tokens:
            raise KmsFault("UNAUTHENTICATED", "Request had invalid authentication credentials. "
                                              "Expected OAuth 2 access token.")
        failure = self.next_failure()
        if failure:
            raise KmsFault(*failure)
        return self.encrypt(name, body) if method == "encrypt" else self.decrypt(name, body)

    def encrypt(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        key, version = self._key_for_encrypt(name)
        plaintext = _bytes_field(body, "plaintext", required=True)
        aad = _bytes_field(body, "additionalAuthenticatedData")
        if len(plaintext) > MAX_PLAINTEXT:
            raise KmsFault("INVALID_ARGUMENT", "The plaintext must be no larger than 64KiB.")
        if self.lose_request_crc:  # as if the field never reached KMS
            body.pop("plaintextCrc32c", None)
        verified_plaintext = _check_crc(body, "plaintextCrc32c", plaintext, "plaintext")
        verified_aad = _check_crc(body, "additionalAuthenticatedDataCrc32c", aad, "additional_authenticated_data")
        _require_enabled(key, version)
        nonce = os.urandom(12)
        ciphertext = struct.pack(">I", version.number) + nonce + AESGCM(version.material).encrypt(nonce, plaintext, aad)
        return {
            "name": self.answer_name or key.version_name(version.number),
            "ciphertext": base64.b64encode(ciphertext).decode(),
            "ciphertextCrc32c": str(self._response_crc(ciphertext)),
            "verifiedPlaintextCrc32c": verified_plaintext,
            "verifiedAdditionalAuthenticatedDataCrc32c": verified_aad,
            "protectionLevel": SOFTWARE,
        }

    def decrypt(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        key = self._crypto_key(name, "useToDecrypt")
        ciphertext = _bytes_field(body, "ciphertext", required=True)
        aad = _bytes_field(body, "additionalAuthenticatedData")
        _check_crc(body, "ciphertextCrc32c", ciphertext, "ciphertext")
        _check_crc(body, "additionalAuthenticatedDataCrc32c", aad, "additional_authenticated_data")
        wrong_key = KmsFault("INVALID_ARGUMENT",
                             "Decryption failed: verify that 'name' refers to the correct CryptoKey.")
        if len(ciphertext) < 4 + 12 + 16:
            raise KmsFault("INVALID_ARGUMENT", "Decryption failed: the ciphertext is invalid.")
        version = key.versions.get(struct.unpack(">I", ciphertext[:4])[0])
        if version is None:
            raise wrong_key
        _require_enabled(key, version)
        try:
            plaintext = AESGCM(version.material).decrypt(ciphertext[4:16], ciphertext[16:], aad)
        except InvalidTag:
            raise wrong_key from None
        return {
            "plaintext": base64.b64encode(plaintext).decode(),
            "plaintextCrc32c": str(self._response_crc(plaintext)),
            "usedPrimary": version.number == key.primary,
            "protectionLevel": SOFTWARE,
        }

    def _crypto_key(self, name: str, permission: str) -> CryptoKey:
        if self.deny:
            raise KmsFault("PERMISSION_DENIED", f"Permission 'cloudkms.cryptoKeyVersions.{permission}' denied "
                                                f"on resource '{name}' (or it may not exist).")
        if not KEY_NAME.match(name):
            raise KmsFault("INVALID_ARGUMENT", f"Resource name [{name}] does not match any known type.")
        key = self.keys.get(name)
        if key is None:
            raise KmsFault("NOT_FOUND", f"CryptoKey {name} not found.")
        return key

    def _key_for_encrypt(self, name: str) -> tuple[CryptoKey, KeyVersion]:
        match = VERSION_NAME.match(name)
        key = self._crypto_key(match["key"] if match else name, "useToEncrypt")
        if not match:
            return key, key.versions[key.primary]
        version = key.versions.get(int(match["number"]))
        if version is None:
            raise KmsFault("NOT_FOUND", f"CryptoKeyVersion {name} not found.")
        return key, version

    def _response_crc(self, data: bytes) -> int:
        value = crc32c(data)
        return (value + 1) % 2**32 if self.corrupt_crc else value


def _bytes_field(body: dict[str, Any], name: str, *, required: bool = False) -> bytes:
    value = body.get(name)
    if value in (None, ""):
        if required:
            raise KmsFault("INVALID_ARGUMENT", f"{name} is required.")
        return b""
    try:
        return base64.b64decode(value, validate=True)
    except (ValueError, TypeError):
        raise KmsFault("INVALID_ARGUMENT", f"Invalid value at '{name}' (TYPE_BYTES), Base64 decoding failed") from None


def _check_crc(body: dict[str, Any], field_name: str, data: bytes, proto_name: str) -> bool:
    given = body.get(field_name)
    if given is None:
        return False
    if int(given) != crc32c(data):
        raise KmsFault("INVALID_ARGUMENT",
                       f"The checksum in field {field_name} did not match the data in field {proto_name}.")
    return True


def _require_enabled(key: CryptoKey, version: KeyVersion) -> None:
    if version.state != "ENABLED":
        raise KmsFault("FAILED_PRECONDITION", f"{key.version_name(version.number)} is not enabled, "
                                              f"current state is: {version.state}.")

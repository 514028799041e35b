"""The REST side of the Cloud KMS fake: the HTTP handler and the documented error shape.

:class:`tests.fakes.gcp_kms.FakeGcpKms` holds the keys and answers the calls; this module turns
HTTP requests into those calls and faults into ``{"error": {"code", "message", "status"}}`` with
the matching HTTP status.

How it was checked against Google's documentation (the cloudkms v1 REST reference read with the
``search`` tool: ``projects.locations.keyRings.cryptoKeys/encrypt`` and ``/decrypt``, and the
Python reference of ``EncryptRequest``/``EncryptResponse``/``DecryptRequest``/``DecryptResponse``):

- ``POST /v1/{name=projects/*/locations/*/keyRings/*/cryptoKeys/**}:encrypt``: ``name`` is a
  CryptoKey (its primary version is used) or a CryptoKeyVersion. Body ``plaintext`` (base64,
  required, at most 64 KiB), ``additionalAuthenticatedData`` (base64), ``plaintextCrc32c`` and
  ``additionalAuthenticatedDataCrc32c`` (Int64Value, i.e. decimal strings). "KeyManagementService
  will report an error if the checksum verification fails": 400 ``INVALID_ARGUMENT``. Response:
  ``name`` (the CryptoKeyVersion used), ``ciphertext``, ``ciphertextCrc32c``,
  ``verifiedPlaintextCrc32c``, ``verifiedAdditionalAuthenticatedDataCrc32c``, ``protectionLevel``.
- ``POST /v1/{name=projects/*/locations/*/keyRings/*/cryptoKeys/*}:decrypt``: ``name`` is a
  CryptoKey only ("the server will choose the appropriate version"). Body ``ciphertext``,
  ``additionalAuthenticatedData`` ("must match the data originally supplied"),
  ``ciphertextCrc32c``, ``additionalAuthenticatedDataCrc32c``. Response ``plaintext``,
  ``plaintextCrc32c``, ``usedPrimary``, ``protectionLevel``.
- Errors use the documented JSON error shape ``{"error": {"code", "message", "status"}}`` with
  the matching HTTP status. Messages follow the ones real KMS returns, as quoted in public issue
  threads: a version that is not ENABLED gives FAILED_PRECONDITION "<version> is not enabled,
  current state is: DESTROYED."; a ciphertext from another key gives INVALID_ARGUMENT "Decryption
  failed: verify that 'name' refers to the correct CryptoKey."; IAM denial is 403
  PERMISSION_DENIED "Permission 'cloudkms.cryptoKeyVersions.useToDecrypt' denied on resource ...".
"""

from __future__ import annotations

import json
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.gcp_kms import FakeGcpKms

_HTTP_STATUS = {"INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "UNAUTHENTICATED": 401,
                "PERMISSION_DENIED": 403, "NOT_FOUND": 404, "RESOURCE_EXHAUSTED": 429,
                "INTERNAL": 500, "UNAVAILABLE": 503}


class KmsFault(Exception):
    """An error answer: ``status`` is the canonical code name."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def handler_for(fake: FakeGcpKms) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            fake.track(self.connection, True)

        def finish(self) -> None:
            fake.track(self.connection, False)
            super().finish()

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            try:
                if path == "/token":
                    self._token(raw)
                    return
                self._reply(200, self._kms_call(path, raw))
            except KmsFault as fault:
                self._reply(_HTTP_STATUS[fault.status], {"error": {
                    "code": _HTTP_STATUS[fault.status], "message": fault.message, "status": fault.status}})

        def _token(self, raw: bytes) -> None:
            try:
                self._reply(200, fake.exchange_token(dict(urllib.parse.parse_qsl(raw.decode()))))
            except KmsFault:  # the OAuth 2.0 error shape (RFC 6749 section 5.2), not Google's
                self._reply(400, {"error": "invalid_grant", "error_description": "The subject token is invalid."})

        def _kms_call(self, path: str, raw: bytes) -> dict[str, Any]:
            name, _, method = path.removeprefix("/v1/").rpartition(":")
            if not path.startswith("/v1/") or method not in ("encrypt", "decrypt"):
                raise KmsFault("NOT_FOUND", f"Method not found: {path}")
            return fake.kms_call(method, name, self.headers.get("Authorization", ""), json.loads(raw or b"{}"))

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler

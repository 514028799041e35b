"""Google Cloud KMS: a symmetric CryptoKey wraps the data key with ``encrypt``/``decrypt``.

What a caller may rely on:

- ``resource`` is a CryptoKey name ``projects/P/locations/L/keyRings/R/cryptoKeys/K``; KMS uses
  its primary version to wrap and picks the right version itself to unwrap, so key rotation needs
  no change to sealed files. The wrapped value is the KMS ciphertext, base64.
- Additional authenticated data (``aad``, default ``"sealfile data key"``) binds the ciphertext
  to sealfile: a ciphertext some other tool made with the same key does not unwrap here, and ours
  does not decrypt elsewhere without it. It is stored in the metadata, so decryption sends back
  exactly what encryption used. An empty ``aad`` sends none: how SOPS wraps with Cloud KMS, so its
  files open here.
- Google's documented integrity checks are applied both ways: the request carries
  ``plaintext_crc32c``/``ciphertext_crc32c`` (KMS rejects a request corrupted in transit and says
  it verified it), and the response's ``ciphertext_crc32c``/``plaintext_crc32c`` are checked here;
  the response ``name`` must be a version of the requested key. A mismatch is retried twice, as
  Google advises, then reported.
- Credentials come from Application Default Credentials (``google.auth.default``): a
  ``GOOGLE_APPLICATION_CREDENTIALS`` file, gcloud's application-default login, or the metadata
  server. The tests use a real ADC flow: an ``external_account`` file whose STS ``token_url`` is
  the local fake (``authorized_user`` files cannot be used for that: google-auth always replaces
  their ``token_uri`` with Google's). No anonymous-credential path exists.
- ``SEALFILE_GCP_KMS_ENDPOINT`` (e.g. ``http://127.0.0.1:8080`` or a Private Service Connect
  URL) overrides the endpoint. The REST transport is used everywhere, so the code path the tests
  exercise is the one that runs in production, and gRPC is never imported.
- UNAVAILABLE, RESOURCE_EXHAUSTED (429) and INTERNAL answers are retried with backoff until
  ``SEALFILE_KMS_TIMEOUT`` seconds (default 10) have passed, the first request's included; a refused
  connection is not retried, so a file with a local recipient opens at once when KMS is unreachable.

The SDK (~1 s to import) is imported on first use; one client per endpoint per process.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sealfile.errors import ConfigError, ProviderError
from sealfile.kms.base import MasterKey, Operation, forgotten_in_children, import_sdk, kms_timeout
from sealfile.kms.sdk_logs import hide_key_material

ENDPOINT_ENV = "SEALFILE_GCP_KMS_ENDPOINT"
DEFAULT_AAD = "sealfile data key"
CHECKSUM_ATTEMPTS = 3
_ID = r"(?!\.\.?/|\.\.?$)[A-Za-z0-9._:-]+"  # GCP's IDs ("example.com:project" too); never "." or ".."
RESOURCE_PATTERN = re.compile(rf"^projects/{_ID}/locations/{_ID}/keyRings/{_ID}/cryptoKeys/{_ID}$")
"""A file names the resource: '?', '#', '%' or a '..' segment would make the request's path another one."""


class ChecksumMismatch(Exception):
    """A CRC32C check failed: the request or the response was corrupted in transit."""


def crc32c(data: bytes) -> int:
    crc = import_sdk("google_crc32c", extra="gcp", what="GCP Cloud KMS")
    return int(crc.value(data))


REST_TRANSPORT_LOGGER = "google.cloud.kms_v1.services.key_management_service.transports.rest"
"""The module that logs each request and answer body of the REST transport (the one used everywhere)."""


@cache
def _client(endpoint: str | None) -> Any:
    """One KMS client per endpoint per process (creating one resolves credentials)."""
    kms_v1 = import_sdk("google.cloud.kms_v1", extra="gcp", what="GCP Cloud KMS")
    google_auth = import_sdk("google.auth", extra="gcp", what="GCP Cloud KMS")
    credentials, _project = google_auth.default()  # the project is in the resource name
    options = {"api_endpoint": endpoint} if endpoint else {}
    # The REST transport logs each request and answer body as a record's fields: Encrypt's request and
    # Decrypt's answer hold the data key (JSON field ``plaintext``).
    hide_key_material((REST_TRANSPORT_LOGGER,), ("plaintext",))
    return kms_v1.KeyManagementServiceClient(credentials=credentials, transport="rest", client_options=options)


def forget_clients() -> None:
    """Drop cached clients (tests that change credentials or endpoints call this)."""
    _client.cache_clear()


forgotten_in_children(_client.cache_clear)


def _deadline() -> float:
    """Seconds one call may take, retries included: within the time all unwrap attempts of a file may take
    (``SEALFILE_KMS_TIMEOUT`` + 5). Twice the timeout outlasted it: KMS answering RESOURCE_EXHAUSTED fourteen
    times was reported as "no answer within 15 s"."""
    return kms_timeout()


def _retry_policy(deadline: float) -> Any:
    retry = import_sdk("google.api_core.retry", extra="gcp", what="GCP Cloud KMS")
    exceptions = import_sdk("google.api_core.exceptions", extra="gcp", what="GCP Cloud KMS")
    transient = retry.if_exception_type(
        exceptions.ServiceUnavailable, exceptions.TooManyRequests, exceptions.InternalServerError
    )
    return retry.Retry(predicate=transient, initial=0.1, maximum=2.0, multiplier=2.0, timeout=deadline)


@dataclass(frozen=True, repr=False)
class GcpKmsKey(MasterKey):
    resource: str
    aad: str = DEFAULT_AAD
    endpoint: str | None = field(default=None, compare=False)
    """Overrides ``SEALFILE_GCP_KMS_ENDPOINT`` for this key (tests, private endpoints); not stored."""

    type_id = "gcp_kms"
    cost = 50
    config_fields = frozenset({"resource", "aad"})  # never an endpoint: that is the user's setting

    def __post_init__(self) -> None:
        if not RESOURCE_PATTERN.match(self.resource):
            raise ConfigError(
                f"not a GCP KMS CryptoKey resource name: {self.resource!r} "
                "(expected projects/P/locations/L/keyRings/R/cryptoKeys/K)"
            )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> GcpKmsKey:
        """Only ``resource`` and ``aad``: the endpoint is the user's (``SEALFILE_GCP_KMS_ENDPOINT``),
        never a file's, so a stanza naming one is refused rather than quietly ignored."""
        resource = config.get("resource")
        if not isinstance(resource, str):
            raise ConfigError("a gcp_kms recipient needs 'resource: projects/P/locations/L/keyRings/R/cryptoKeys/K'")
        aad = config.get("aad", DEFAULT_AAD)
        if not isinstance(aad, str):
            raise ConfigError(f"gcp_kms {resource}: 'aad' must be text")
        return cls(resource.strip(), aad)

    @classmethod
    def from_cli(cls, value: str) -> GcpKmsKey:
        return cls(value.strip())

    def to_config(self) -> dict[str, Any]:
        return {"resource": self.resource, "aad": self.aad}

    @property
    def key_id(self) -> str:
        return self.resource

    def _wrap(self, data_key: bytes) -> str:
        request = {
            "name": self.resource,
            "plaintext": data_key,
            "plaintext_crc32c": crc32c(data_key),
            "additional_authenticated_data": self.aad.encode(),
        }
        response = self._call("encrypt", request, self._check_encrypted)
        return base64.b64encode(response.ciphertext).decode("ascii")

    def _unwrap(self, wrapped: str) -> bytes:
        try:
            ciphertext = base64.b64decode(wrapped, validate=True)
        except (binascii.Error, ValueError):
            raise self.unwrap_error("the wrapped data key is not base64 (corrupt)") from None
        request = {
            "name": self.resource,
            "ciphertext": ciphertext,
            "ciphertext_crc32c": crc32c(ciphertext),
            "additional_authenticated_data": self.aad.encode(),
        }
        response = self._call("decrypt", request, self._check_decrypted)
        return bytes(response.plaintext)

    def _check_encrypted(self, response: Any) -> None:
        if not response.verified_plaintext_crc32c:
            raise ChecksumMismatch("KMS did not confirm the plaintext checksum (request corrupted in transit?)")
        if response.ciphertext_crc32c != crc32c(response.ciphertext):
            raise ChecksumMismatch("the ciphertext checksum in the KMS response does not match (corrupted in transit)")
        if not response.name.startswith(self.resource + "/cryptoKeyVersions/"):
            raise ProviderError(f"KMS answered with {response.name!r}, not a version of the requested key")

    def _check_decrypted(self, response: Any) -> None:
        if response.plaintext_crc32c != crc32c(response.plaintext):
            raise ChecksumMismatch("the plaintext checksum in the KMS response does not match (corrupted in transit)")

    def _call(self, method: str, request: dict[str, Any], check: Callable[[Any], None]) -> Any:
        """Call KMS with bounded retries, and again (a few times) when a checksum does not match."""
        deadline = _deadline()
        for attempt in range(1, CHECKSUM_ATTEMPTS + 1):
            try:
                client = _client(self._endpoint())
                response = getattr(client, method)(request=request, retry=_retry_policy(deadline), timeout=deadline)
                check(response)
                return response
            except ChecksumMismatch:
                if attempt == CHECKSUM_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _endpoint(self) -> str | None:
        return self.endpoint or os.environ.get(ENDPOINT_ENV) or None

    def concerns_every_key(self, error: Exception) -> bool:
        """No Application Default Credentials, or none that get a token: every Cloud KMS key here shares them."""
        auth_exceptions = import_sdk("google.auth.exceptions", extra="gcp", what="GCP Cloud KMS")
        return isinstance(error, (auth_exceptions.DefaultCredentialsError, auth_exceptions.RefreshError))

    def explain(self, error: Exception, operation: Operation) -> str:
        if isinstance(error, ChecksumMismatch):
            return f"CRC32C mismatch after {CHECKSUM_ATTEMPTS} attempts: {error}"
        from sealfile.kms.gcp.errors import describe_failure  # needs the SDK, loaded by the failed call

        method = "encrypt" if operation == "wrap" else "decrypt"
        return describe_failure(error, method, self._endpoint(), _deadline())

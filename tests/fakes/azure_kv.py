"""A fake Azure Key Vault (and Entra ID token endpoint) for the real Azure SDK clients.

How the SDK reaches it
    The fake listens on 127.0.0.1 as an HTTPS forward proxy: clients get ``HTTPS_PROXY`` pointing at
    it, ``CONNECT`` to ``VAULT.vault.azure.net:443`` or ``login.microsoftonline.com:443`` is
    answered by the fake itself, which terminates TLS with a certificate for those names signed by
    a throwaway CA (trusted through ``REQUESTS_CA_BUNDLE``; see :mod:`tests.fakes.tls`). So the code
    under test runs exactly as in production: ``DefaultAzureCredential`` -> ``EnvironmentCredential``
    (``AZURE_TENANT_ID`` / ``AZURE_CLIENT_ID`` / ``AZURE_CLIENT_SECRET``) -> MSAL against the real
    authority host, and ``CryptographyClient`` on a real ``https://VAULT.vault.azure.net/keys/...``
    URL. Why a proxy rather than a vault URL on ``https://127.0.0.1:PORT``: the SDK checks that the
    bearer challenge's ``resource`` (``https://vault.azure.net``) matches the vault's host name, which
    an IP address never does, and MSAL validates a non-Microsoft authority host against
    ``login.microsoftonline.com``. Both would need a switch in production code (turning a security
    check off); the proxy needs none. Connections to hosts the fake does not serve get ``502`` (as a
    proxy reports a name that does not resolve), so a deleted vault looks unreachable.

What it implements (checked against the Key Vault REST reference, api-version 7.4 / 2025-07-01)
    - ``GET /keys/{name}[/{version}]`` (learn.microsoft.com/rest/api/keyvault/keys/get-key): a
      KeyBundle ``{"key": JWK, "attributes": {...}}``; the JWK has ``kid`` (the versioned URL),
      ``kty: RSA``, ``key_ops``, base64url ``n``/``e``. Without a version: the current version.
    - ``POST /keys/{name}[/{version}]/wrapkey`` and ``/unwrapkey`` (…/wrap-key, …/unwrap-key): body
      ``{"alg", "value"}`` (base64url), answer a KeyOperationResult ``{"kid", "value"}``; real
      RSA-OAEP-256 (SHA-256, MGF1-SHA-256) with ``cryptography``. Other algorithms: 400 BadParameter.
      ``/encrypt`` and ``/decrypt`` (what SOPS calls) are the same RSA operations for an RSA key.
    - ``api-version`` is required and must be a published version (else 400 BadParameter).
    - The bearer challenge: a request without ``Authorization`` gets 401 with
      ``WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/TENANT",
      resource="https://vault.azure.net"``; a wrong token also gets 401.
    - Errors use the KeyVaultError shape ``{"error": {"code", "message", "innererror"?}}`` with
      codes seen from the real service (SDK issue trackers quoting real responses):
      404 ``KeyNotFound`` "A key with (name/id) X was not found in this key vault…";
      403 ``Forbidden`` + inner ``ForbiddenByPolicy`` "The user, group or application … does not have
      keys unwrapKey permission on key vault …"; 403 ``Forbidden`` + inner ``KeyDisabled``
      "Operation unwrapKey is not allowed on a disabled key." (the service still allows get and
      wrapKey on a disabled key: Azure/azure-sdk-for-python#45342); 400 ``BadParameter`` "Error
      occurred while decoding OAEP padding." for a wrong key or corrupt value
      (Azure/azure-sdk-for-net#36269); 429 ``Throttled`` / 503 ``ServiceUnavailable``. Key Vault
      says how long to wait in ``Retry-After`` (seconds); the fake uses azure-core's millisecond
      form of the same server-directed wait (``retry-after-ms: 20``) to keep tests fast.
    - Versions and rotation: :meth:`FakeKeyVault.rotate` adds a version that becomes current; old
      versions still unwrap (as in Key Vault, where rotation never disables old versions).
    - Entra ID: ``GET /{tenant}/v2.0/.well-known/openid-configuration`` and the client-credentials
      grant ``POST /{tenant}/oauth2/v2.0/token`` (checks client id, secret and the Key Vault scope;
      a wrong secret gets 401 ``invalid_client`` with an AADSTS7000215 description).

Fault switches: ``deny`` (a set of operations answered 403), ``disable(name)``, ``fail_next(n,
status, retry_after)`` (the next n vault requests get 503/429, with ``Retry-After: retry_after`` if
given), ``down`` (CONNECT to the vault host gets 502).
``requests`` records ``(method, path)`` of every vault request, to assert what went over the wire;
``connects`` every host a client asked the proxy to reach (served or not).

An attacker's server, for the hardening tests: ``host=`` serves the vault under any name (e.g.
``attacker.example``), and with ``answer_without_token`` (bytes) every request that carries no
token is answered 200 (a key for a GET, those bytes for an unwrap), as a server that wants its
own data key accepted would.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes.azure_wire import LOGIN_HOST, AzureWireHandler
from tests.fakes.local_server import LocalServer
from tests.fakes.tls import LocalCA, make_test_ca

VAULT_RESOURCE = "https://vault.azure.net"
OIDC_SCOPES = ("openid", "offline_access", "profile")
API_VERSIONS = {"2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01"}
_KEY_PATH = re.compile(
    r"^/keys/(?P<name>[0-9A-Za-z-]+)(?:/(?P<version>[0-9A-Za-z]*))?(?:/(?P<op>wrapkey|unwrapkey|encrypt|decrypt))?/?$"
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


OAEP_256 = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


@dataclass
class KeyVersion:
    version: str
    private_key: rsa.RSAPrivateKey = field(repr=False)
    enabled: bool = True


@dataclass
class Fault:
    """A vault answer the SDK receives instead of the normal one."""

    status: int
    code: str
    message: str
    inner: str | None = None


class FakeKeyVault:
    """One fake vault (``https://{vault_name}.vault.azure.net``) plus its Entra ID tenant."""

    def __init__(self, directory: Path, vault_name: str | None = None, host: str | None = None) -> None:
        # A fresh vault name per instance: the SDK caches each vault's challenge (and so its
        # tenant) for the whole process, so two fakes must never share a host name.
        self.vault_name = vault_name or f"sealfile-{uuid.uuid4().hex[:8]}"
        self.vault_host = host or f"{self.vault_name}.vault.azure.net"
        self.vault_url = f"https://{self.vault_host}"
        self.tenant_id = str(uuid.uuid4())
        self.client_id = str(uuid.uuid4())
        self.client_secret = secrets.token_urlsafe(24)
        self.ca: LocalCA = make_test_ca(directory, [self.vault_host, LOGIN_HOST], [])
        self.keys: dict[str, list[KeyVersion]] = {}
        self.deny: set[str] = set()
        self.down = False
        self.requests: list[tuple[str, str]] = []
        self.connects: list[str] = []
        self.answer_without_token: bytes | None = None
        self.token_requests = 0
        self._failures: list[Fault] = []
        self.retry_after: str | None = None
        """What a failure's ``Retry-After`` says (seconds); ``None``: the fast ``retry-after-ms: 20``."""
        self._tokens: set[str] = set()
        self._lock = threading.Lock()
        self.tls_context = self.ca.server_context()
        self._server = LocalServer(("127.0.0.1", 0), AzureWireHandler)
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeKeyVault:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def client_env(self) -> dict[str, str]:
        """Environment for a process whose Azure SDK should talk to this fake, as to Azure."""
        return {
            "HTTPS_PROXY": self.proxy_url,
            "https_proxy": self.proxy_url,
            "NO_PROXY": "",
            "no_proxy": "",
            "REQUESTS_CA_BUNDLE": str(self.ca.ca_file),
            "AZURE_TENANT_ID": self.tenant_id,
            "AZURE_CLIENT_ID": self.client_id,
            "AZURE_CLIENT_SECRET": self.client_secret,
            # only the environment credential: no probing for managed identity, az, pwsh, azd
            "AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
        }

    # -- keys -----------------------------------------------------------------------------------
    def create_key(self, name: str) -> str:
        """Create a 2048-bit RSA key (or a new version of it); return the key URL without version."""
        self.rotate(name)
        return f"{self.vault_url}/keys/{name}"

    def rotate(self, name: str) -> str:
        """Add a new current version of ``name``; return that version."""
        version = KeyVersion(uuid.uuid4().hex, rsa.generate_private_key(public_exponent=65537, key_size=2048))
        with self._lock:
            self.keys.setdefault(name, []).append(version)
        return version.version

    def current_version(self, name: str) -> str:
        return self.keys[name][-1].version

    def disable(self, name: str, enabled: bool = False) -> None:
        for version in self.keys[name]:
            version.enabled = enabled

    def fail_next(self, count: int, status: int = 503, retry_after: str | None = None) -> None:
        code = "Throttled" if status == 429 else "ServiceUnavailable"
        with self._lock:
            self.retry_after = retry_after
            self._failures = [Fault(status, code, "The service is temporarily unavailable.")] * count

    def reset(self) -> None:
        """Clear fault switches and the request log (keys stay)."""
        with self._lock:
            self.deny.clear()
            self.down = False
            self.answer_without_token = None
            self.retry_after = None
            self.connects.clear()
            self._failures.clear()
            self.requests.clear()
            for versions in self.keys.values():
                for version in versions:
                    version.enabled = True

    @contextmanager
    def outage(self) -> Iterator[None]:
        self.down = True
        try:
            yield
        finally:
            self.down = False

    # -- request handling -------------------------------------------------------------------------
    def issue_token(self, form: dict[str, str], tenant: str) -> tuple[int, dict[str, Any]]:
        self.token_requests += 1
        if tenant != self.tenant_id:
            return 400, {"error": "invalid_request", "error_description": f"AADSTS90002: Tenant '{tenant}' not found."}
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != self.client_id:
            return 400, {"error": "unauthorized_client", "error_description": "AADSTS700016: Application not found."}
        if form.get("client_secret") != self.client_secret:
            return 401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                "in the request is the client secret value, not the client secret ID.",
            }
        scopes = set(form.get("scope", "").split())  # MSAL for Go adds the OpenID scopes, as AAD allows
        if f"{VAULT_RESOURCE}/.default" not in scopes or scopes - {f"{VAULT_RESOURCE}/.default", *OIDC_SCOPES}:
            return 400, {"error": "invalid_scope", "error_description": "AADSTS70011: The provided scope is invalid."}
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens.add(token)
        return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    def vault_request(
        self, method: str, path: str, query: dict[str, list[str]], auth: str | None, body: dict[str, Any] | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Return (status, JSON body, extra headers) for one vault request."""
        with self._lock:
            self.requests.append((method, path))
            unauthenticated = auth is None or not auth.startswith("Bearer ") or auth[7:] not in self._tokens
            if unauthenticated and self.answer_without_token is not None:
                return self._answer_anyone(method, path)
            if unauthenticated:
                challenge = (
                    f'Bearer authorization="https://{LOGIN_HOST}/{self.tenant_id}", resource="{VAULT_RESOURCE}"'
                )
                missing = Fault(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
                return 401, _error(missing), {"WWW-Authenticate": challenge}
            if self._failures:
                fault = self._failures.pop(0)
                wait = {"retry-after-ms": "20"} if self.retry_after is None else {"Retry-After": self.retry_after}
                return fault.status, _error(fault), wait
        version_param = query.get("api-version", [""])[0]
        if version_param not in API_VERSIONS:
            unknown = Fault(400, "BadParameter", f"The specified version ({version_param}) is not recognized.")
            return 400, _error(unknown), {}
        match = _KEY_PATH.match(path)
        if match is None:
            return 404, _error(Fault(404, "NotFound", "The requested resource was not found.")), {}
        name, version_id, op = match["name"], match["version"] or "", match["op"]
        operation = {"wrapkey": "wrapKey", "unwrapkey": "unwrapKey", "encrypt": "encrypt",
                     "decrypt": "decrypt"}.get(op or "", "get")
        if (method == "GET") != (op is None):
            return 405, _error(Fault(405, "BadParameter", "Method not allowed.")), {}
        status, payload = self._key_operation(operation, name, version_id, body or {})
        return status, payload, {}

    def _answer_anyone(self, method: str, path: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """An attacker's server: the key for any GET, ``answer_without_token`` for any unwrap."""
        assert self.answer_without_token is not None
        match = _KEY_PATH.match(path)
        name = match["name"] if match else "k"
        versions = self.keys.get(name) or [KeyVersion("0", rsa.generate_private_key(public_exponent=65537,
                                                                                    key_size=2048))]
        kid = f"{self.vault_url}/keys/{name}/{versions[-1].version}"
        if method == "GET":
            return 200, self._key_bundle(kid, versions[-1]), {}
        return 200, {"kid": kid, "value": b64url(self.answer_without_token)}, {}

    def _key_operation(
        self, operation: str, name: str, version_id: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if operation in self.deny:
            return 403, _error(
                Fault(
                    403,
                    "Forbidden",
                    f"The user, group or application 'appid={self.client_id};iss=https://sts.windows.net/"
                    f"{self.tenant_id}/' does not have keys {operation} permission on key vault "
                    f"'{self.vault_name};location=westeurope'. For help resolving this issue, please see "
                    "https://go.microsoft.com/fwlink/?linkid=2125287",
                    "ForbiddenByPolicy",
                )
            )
        versions = self.keys.get(name, [])
        found = [v for v in versions if v.version == version_id] if version_id else versions[-1:]
        if not found:
            shown = f"{name}/{version_id}" if version_id else name
            return 404, _error(
                Fault(404, "KeyNotFound", f"A key with (name/id) {shown} was not found in this key vault. If you "
                      "recently deleted this key you may be able to recover it using the correct recovery command.")
            )
        key = found[0]
        kid = f"{self.vault_url}/keys/{name}/{key.version}"
        if operation == "get":
            return 200, self._key_bundle(kid, key)
        if operation in ("unwrapKey", "decrypt") and not key.enabled:
            disabled = Fault(403, "Forbidden", "Operation unwrapKey is not allowed on a disabled key.", "KeyDisabled")
            return 403, _error(disabled)
        if body.get("alg") != "RSA-OAEP-256":
            return 400, _error(Fault(400, "BadParameter", f"Invalid algorithm: {body.get('alg')!r} for this key."))
        try:
            value = unb64url(str(body.get("value", "")))
        except ValueError:
            return 400, _error(Fault(400, "BadParameter", "Content of 'value' is not base64url."))
        if operation in ("wrapKey", "encrypt"):
            return 200, {"kid": kid, "value": b64url(key.private_key.public_key().encrypt(value, OAEP_256))}
        try:
            return 200, {"kid": kid, "value": b64url(key.private_key.decrypt(value, OAEP_256))}
        except ValueError:
            return 400, _error(Fault(400, "BadParameter", "Error occurred while decoding OAEP padding."))

    @staticmethod
    def _key_bundle(kid: str, key: KeyVersion) -> dict[str, Any]:
        numbers = key.private_key.public_key().public_numbers()
        return {
            "key": {
                "kid": kid,
                "kty": "RSA",
                "key_ops": ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
                "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
                "e": b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
            },
            "attributes": {
                "enabled": key.enabled,
                "created": 1700000000,
                "updated": 1700000000,
                "recoveryLevel": "Recoverable+Purgeable",
                "recoverableDays": 90,
            },
        }


def _error(fault: Fault) -> dict[str, Any]:
    error: dict[str, Any] = {"code": fault.code, "message": fault.message}
    if fault.inner:
        error["innererror"] = {"code": fault.inner}
    return {"error": error}

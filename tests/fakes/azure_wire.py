"""The wire side of the Azure fake: an intercepting HTTPS proxy and the Entra ID endpoints.

Clients reach it through ``HTTPS_PROXY``. ``CONNECT host:443`` for the fake vault's host or
``login.microsoftonline.com`` is answered by the fake itself: it terminates TLS with the fake's
certificate and serves the HTTP requests inside the tunnel (vault requests go to
:meth:`FakeKeyVault.vault_request`, token requests to :meth:`FakeKeyVault.issue_token`). Any other
host gets ``502 Bad Gateway``, which is what a real proxy answers for a name that does not resolve.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from tests.fakes.azure_kv import FakeKeyVault

LOGIN_HOST = "login.microsoftonline.com"


class AzureWireHandler(BaseHTTPRequestHandler):
    """One client connection: CONNECT tunnels to the served hosts, then HTTP requests inside."""

    protocol_version = "HTTP/1.1"
    tunnel_host: str | None = None

    @property
    def fake(self) -> FakeKeyVault:
        fake: FakeKeyVault = self.server.fake  # type: ignore[attr-defined]
        return fake

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_CONNECT(self) -> None:
        host, _, port = self.path.rpartition(":")
        self.fake.connects.append(host)
        served = host in (self.fake.vault_host, LOGIN_HOST) and port == "443"
        if not served or (host == self.fake.vault_host and self.fake.down):
            self.send_response(502, "Bad Gateway")
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.close_connection = True
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        tls = self.fake.tls_context.wrap_socket(self.connection, server_side=True)
        self.connection = tls
        self.rfile = tls.makefile("rb")
        self.wfile = tls.makefile("wb")
        self.tunnel_host = host
        self.close_connection = False

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if self.tunnel_host == LOGIN_HOST:
            status, payload, headers = self._login(method, url.path, raw)
        elif self.tunnel_host == self.fake.vault_host:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            status, payload, headers = self.fake.vault_request(
                method, url.path, query, self.headers.get("Authorization"), body
            )
        else:
            status, payload, headers = 400, {"error": "plain requests are not served; use CONNECT"}, {}
        self._send_json(status, payload, headers)

    def _login(self, method: str, path: str, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        tenant = path.strip("/").split("/")[0]
        base = f"https://{LOGIN_HOST}/{tenant}"
        if method == "GET" and path == "/common/discovery/instance":  # MSAL asks this when a request fails
            return 200, {
                "tenant_discovery_endpoint": f"https://{LOGIN_HOST}/{{tenant}}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [{"preferred_network": LOGIN_HOST, "preferred_cache": "login.windows.net",
                              "aliases": [LOGIN_HOST, "login.windows.net", "login.microsoft.com", "sts.windows.net"]}],
            }, {}
        if method == "GET" and path.endswith("/v2.0/.well-known/openid-configuration"):
            return 200, {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "issuer": f"https://{LOGIN_HOST}/{tenant}/v2.0",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            }, {}
        if method == "POST" and path.endswith("/oauth2/v2.0/token"):
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
            status, payload = self.fake.issue_token(form, tenant)
            return status, payload, {}
        return 404, {"error": "not_found"}, {}

    def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def finish(self) -> None:
        super().finish()
        if self.tunnel_host is not None:
            self.connection.close()

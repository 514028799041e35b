"""The Cloud KMS fake over gRPC, reached as ``cloudkms.googleapis.com:443`` through an HTTPS proxy.

Why: the sops binary (3.11, cloud.google.com/go/kms) calls Cloud KMS over gRPC only and has no
endpoint setting; it dials ``cloudkms.googleapis.com:443`` with TLS. With ``HTTPS_PROXY`` set,
grpc-go sends ``CONNECT cloudkms.googleapis.com:443`` and leaves the name to the proxy (seen at
the wire), so :class:`GcpGrpcFront` is that proxy: it tunnels the connection to a local gRPC server
whose certificate for that name is signed by a throwaway CA (Go trusts it through
``SSL_CERT_FILE``). Any other host gets ``502``, as a proxy answers for a name it cannot reach.
The bearer token sops sends (``GOOGLE_OAUTH_ACCESS_TOKEN``) is one the fake issued.

The gRPC methods are ``google.cloud.kms.v1.KeyManagementService/Encrypt`` and ``/Decrypt`` with
the ``kms_v1`` request and response messages; each request becomes the REST JSON body (proto3 JSON
mapping, as the REST wire carries it) and goes to the same :meth:`FakeGcpKms.kms_call` the REST
side uses, so both wires share keys, checks, faults and call counts. A :class:`KmsFault` becomes the
gRPC status of the same name.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable
from concurrent import futures
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import grpc
from google.cloud import kms_v1

from tests.fakes.gcp_kms import TOKEN_EXCHANGE, FakeGcpKms, KmsFault
from tests.fakes.local_server import LocalServer
from tests.fakes.tls import make_test_ca

KMS_HOST = "cloudkms.googleapis.com"
SERVICE = "google.cloud.kms.v1.KeyManagementService"


class GcpGrpcFront:
    """A gRPC server for ``fake`` on 127.0.0.1 with TLS for :data:`KMS_HOST`, and the proxy to it."""

    def __init__(self, fake: FakeGcpKms, directory: Path) -> None:
        self.fake = fake
        self.ca = make_test_ca(directory, [KMS_HOST], [])
        self.connects: list[str] = []
        self._grpc: grpc.Server | None = None
        self._proxy: LocalServer | None = None
        self._grpc_port = 0

    @property
    def proxy_url(self) -> str:
        assert self._proxy is not None
        return f"http://127.0.0.1:{self._proxy.server_address[1]}"

    def start(self) -> GcpGrpcFront:
        self._grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        self._grpc.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(SERVICE, {
            "Encrypt": _method(self.fake, "encrypt", kms_v1.EncryptRequest, kms_v1.EncryptResponse),
            "Decrypt": _method(self.fake, "decrypt", kms_v1.DecryptRequest, kms_v1.DecryptResponse),
        })])
        credentials = grpc.ssl_server_credentials([(self.ca.key_file.read_bytes(), self.ca.cert_file.read_bytes())])
        self._grpc_port = self._grpc.add_secure_port("127.0.0.1:0", credentials)
        self._grpc.start()
        self._proxy = LocalServer(("127.0.0.1", 0), _tunnel_handler(self))
        threading.Thread(target=self._proxy.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._proxy is not None:
            self._proxy.shutdown()
            self._proxy.server_close()
            self._proxy = None
        if self._grpc is not None:
            self._grpc.stop(grace=None)
            self._grpc = None

    def sops_env(self) -> dict[str, str]:
        """What sops needs to reach the fake as Cloud KMS: the proxy, the CA, and an access token."""
        token = self.fake.exchange_token({"grant_type": TOKEN_EXCHANGE, "subject_token": self.fake.subject_token})
        return {"HTTPS_PROXY": self.proxy_url, "SSL_CERT_FILE": str(self.ca.ca_file),
                "GOOGLE_OAUTH_ACCESS_TOKEN": token["access_token"]}

    def backend(self, host: str, port: str) -> int | None:
        """The local port a ``CONNECT host:port`` is tunnelled to, or None (not served)."""
        self.connects.append(host)
        return self._grpc_port if (host, port) == (KMS_HOST, "443") else None


def _method(fake: FakeGcpKms, method: str, request_type: Any, response_type: Any) -> grpc.RpcMethodHandler:
    def call(request: Any, context: grpc.ServicerContext) -> Any:
        metadata = dict(context.invocation_metadata())
        body = json.loads(request_type.to_json(request, always_print_fields_with_no_presence=False))
        try:
            answer = fake.kms_call(method, request.name, str(metadata.get("authorization", "")), body)
        except KmsFault as fault:
            context.abort(getattr(grpc.StatusCode, fault.status), fault.message)
        return response_type.from_json(json.dumps(answer))

    return grpc.unary_unary_rpc_method_handler(call, request_deserializer=request_type.deserialize,
                                               response_serializer=response_type.serialize)


def _tunnel_handler(front: GcpGrpcFront) -> type[BaseHTTPRequestHandler]:
    class Tunnel(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def do_CONNECT(self) -> None:
            host, _, port = self.path.rpartition(":")
            backend = front.backend(host, port)
            if backend is None:
                self.send_response(502, "Bad Gateway")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.close_connection = True
                return
            upstream = socket.create_connection(("127.0.0.1", backend))
            self.send_response(200, "Connection Established")
            self.end_headers()
            self.wfile.flush()
            _pipe(self.connection, upstream)
            self.close_connection = True

    return Tunnel


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    def copy(source: socket.socket, target: socket.socket, done: Callable[[], None]) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        done()

    def close_both() -> None:
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    other = threading.Thread(target=copy, args=(upstream, client, close_both), daemon=True)
    other.start()
    copy(client, upstream, close_both)
    other.join()
    upstream.close()

"""A forwarding, counting, fault-injecting HTTP proxy in front of a moto server.

moto serves KMS faithfully enough for round trips but ignores key state and cannot throttle
(see /work/shared/TESTING.md). This proxy sits between the real boto3 client and moto:

- it counts requests per operation at the wire (``calls["Decrypt"]``), for KMS (JSON protocol,
  ``X-Amz-Target: TrentService.<Op>``) and STS (query protocol, ``Action=<Op>`` in the body);
- it records each request's access key id, signing region and ``KeyId`` (``seen``);
- it answers chosen operations with an error body exactly as AWS does (KMS: HTTP 400,
  ``application/x-amz-json-1.1``, ``{"__type": ..., "message": ...}``; STS: an XML
  ``ErrorResponse``), optionally only for requests naming a given key, a given number of
  times; or holds the request unanswered;
- with ``region`` set it behaves like a regional endpoint and refuses requests signed for
  another region, as AWS does (``InvalidSignatureException``);
- with ``delay`` set it holds each request that long before answering (a distant endpoint), and
  it records the most requests it held at once (``most_in_flight``).

Its sockets set ``TCP_NODELAY``: without it Nagle's algorithm and delayed ACKs add ~40 ms to each
request on a kept-alive connection, which would hide the costs a benchmark through it measures.

Use :func:`start_moto` for the server behind it; both listen on 127.0.0.1 with a free port.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from tests.fakes.local_server import LocalServer

_CREDENTIAL = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_DROPPED_HEADERS = {"connection", "transfer-encoding", "keep-alive", "content-length"}


@dataclass(frozen=True)
class Seen:
    """One request as the proxy saw it."""

    operation: str
    access_key: str
    region: str
    key_id: str | None
    peer: int = 0
    """The client's port: requests on one kept-alive connection share it."""


@dataclass
class Fault:
    operation: str
    error: str
    message: str
    key_id: str | None
    remaining: int | None
    """How many more requests to fail; ``None`` fails every one."""
    status: int = 400
    hang: bool = False

    def matches(self, operation: str, body: dict[str, Any]) -> bool:
        if self.operation != operation or self.remaining == 0:
            return False
        return self.key_id is None or body.get("KeyId") == self.key_id


class KmsProxy:
    def __init__(self, upstream: str) -> None:
        split = urlsplit(upstream)
        self.upstream_host = split.hostname or "127.0.0.1"
        self.upstream_port = split.port or 80
        self.calls: Counter[str] = Counter()
        self.seen: list[Seen] = []
        self.region: str | None = None
        self.delay = 0.0
        self.most_in_flight = 0
        self._in_flight = 0
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = LocalServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> KmsProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._thread.is_alive():  # shutdown waits for a serving loop that was never started
            self._server.shutdown()
        self._server.server_close()

    def fail(
        self, operation: str, error: str, message: str = "", *, key_id: str | None = None,
        times: int | None = None, status: int = 400,
    ) -> None:
        """Answer ``operation`` (optionally only for ``KeyId == key_id``) with a KMS error."""
        with self._lock:
            self._faults.append(Fault(operation, error, message, key_id, times, status))

    def hang(self, operation: str) -> None:
        """Hold every ``operation`` request without answering (until :meth:`reset` or stop)."""
        with self._lock:
            self._faults.append(Fault(operation, "", "", None, None, hang=True))

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self.calls.clear()
            self.seen.clear()
            self.region = None
            self.delay = 0.0
            self.most_in_flight = 0
            self._release.set()
            self._release = threading.Event()

    def _record(self, operation: str, authorization: str, body: dict[str, Any],
                peer: int) -> tuple[Seen, Fault | None]:
        """Count the request; return what was seen and the fault to answer with, if any."""
        match = _CREDENTIAL.search(authorization)
        seen = Seen(operation, match.group(1) if match else "", match.group(2) if match else "", body.get("KeyId"),
                    peer)
        with self._lock:
            self.calls[operation] += 1
            self.seen.append(seen)
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
            for fault in self._faults:
                if fault.matches(operation, body):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return seen, fault
        return seen, None

    def _done(self) -> None:
        with self._lock:
            self._in_flight -= 1


def _handler_for(proxy: KmsProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # TCP_NODELAY (see the module docstring)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            target = self.headers.get("X-Amz-Target", "")
            is_kms = target.startswith("TrentService.")
            if is_kms:
                operation = target.partition(".")[2]
                body = json.loads(raw or b"{}")
            else:
                operation = parse_qs(raw.decode("utf-8", "replace")).get("Action", ["?"])[0]
                body = {}
            seen, fault = proxy._record(operation, self.headers.get("Authorization", ""), body, self.client_address[1])
            try:
                if proxy.delay:
                    time.sleep(proxy.delay)
                self._respond(is_kms, seen, fault, raw)
            finally:
                proxy._done()

        def _respond(self, is_kms: bool, seen: Seen, fault: Fault | None, raw: bytes) -> None:
            if is_kms and proxy.region is not None and seen.region != proxy.region:
                self._kms_error(400, "InvalidSignatureException", "Credential should be scoped to a valid region.")
            elif fault is not None and fault.hang:
                proxy._release.wait(30)
                self.close_connection = True
            elif fault is not None and is_kms:
                self._kms_error(fault.status, fault.error, fault.message)
            elif fault is not None:
                self._query_error(fault.status, fault.error, fault.message)
            else:
                self._forward(raw)

        def _kms_error(self, status: int, error: str, message: str) -> None:
            self._answer(status, "application/x-amz-json-1.1", json.dumps({"__type": error, "message": message}))

        def _query_error(self, status: int, error: str, message: str) -> None:
            self._answer(status, "text/xml", (
                "<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{escape(error)}</Code><Message>{escape(message)}</Message></Error>"
                "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
            ))

        def _answer(self, status: int, content_type: str, text: str) -> None:
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _forward(self, raw: bytes) -> None:
            upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=30)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _DROPPED_HEADERS}
                upstream.request("POST", self.path, body=raw, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
            finally:
                upstream.close()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in _DROPPED_HEADERS:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def start_moto() -> tuple[Any, str]:
    """A moto server on 127.0.0.1 (port 0): ``(server, url)``; call ``server.stop()`` at the end."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    assert server._server is not None
    return server, f"http://127.0.0.1:{server._server.server_port}"


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"

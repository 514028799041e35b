"""A metadata service that has nothing: every request answered 404 and its path recorded.

What a laptop or CI runner looks like to a cloud SDK's credential chain (AWS's instance metadata
service, GCE's metadata server), made local so a test can count how often the chain asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from threading import Thread
from typing import Any

from tests.fakes.local_server import LocalServer


@contextmanager
def no_metadata_service() -> Iterator[tuple[str, list[str]]]:
    """``(HOST:PORT, paths asked)`` of a server on 127.0.0.1 that has no metadata."""
    asked: list[str] = []

    class Nothing(BaseHTTPRequestHandler):
        def _none(self) -> None:
            asked.append(self.path)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_PUT = _none

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = LocalServer(("127.0.0.1", 0), Nothing)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        server.server_close()

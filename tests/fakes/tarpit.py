"""A tarpit: an HTTP server that accepts every connection and answers one byte at a time, forever.

Every byte arrives well within any read timeout, so a client that bounds only each read (as
botocore, google-api-core and azure-core do) waits as long as the server likes. Listens on
127.0.0.1 with a free port; ``connections`` counts the clients it holds.
"""

from __future__ import annotations

import socketserver
import threading
import time


class Tarpit:
    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.connections = 0
        self._stopped = threading.Event()
        pit = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                pit.connections += 1
                self.request.settimeout(5)
                try:
                    self.request.recv(65536)  # the request line and headers
                    self.request.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    while not pit._stopped.is_set():
                        self.request.sendall(b"a")
                        time.sleep(pit.interval)
                except OSError:
                    return

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Tarpit:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()

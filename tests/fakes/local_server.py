"""The HTTP server every local fake listens with.

Threaded, with daemon threads, and with a listen backlog the size a real endpoint has rather than
``socketserver``'s 5: a bulk command opens up to 8 connections at once (``cli/batch.IN_FLIGHT``),
and while the accepting thread waits for the GIL a full backlog drops a connection's handshake; the
client's kernel retries it only a second later (``ListenOverflows`` in ``/proc/net/netstat``). That
stall is the fake's, not the code under test's, and it showed in the AWS benchmark rows as an
intermittent ~0.7 s.
"""

from __future__ import annotations

from http.server import ThreadingHTTPServer


class LocalServer(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True

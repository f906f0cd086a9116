"""A protocol peer on a local port: an HTTP server in a thread, started and stopped with `with`.

Not named http.py: a peer run as a script from this folder (oidc_provider.py) would import it as the
standard library's http package."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


class LocalHTTPPeer:
    def __init__(self, handler: type[BaseHTTPRequestHandler], path: str):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

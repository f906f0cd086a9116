"""A CRL distribution point (J-LIS's stand-in): serves whatever the test puts there, with an ETag."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CRLServer:
    def __init__(self):
        self.body = b""
        self.status = 200
        self.requests: list[dict] = []  # what each request asked for (its If-None-Match)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                etag = '"' + hashlib.sha256(server.body).hexdigest()[:16] + '"'
                asked = self.headers.get("If-None-Match", "")
                server.requests.append({"path": self.path, "if_none_match": asked})
                if server.status != 200:
                    self.send_response(server.status)
                    self.end_headers()
                elif asked == etag:
                    self.send_response(304)
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/pkix-crl")
                    self.send_header("Content-Length", str(len(server.body)))
                    self.send_header("ETag", etag)
                    self.end_headers()
                    self.wfile.write(server.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jpki/sign.crl"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

"""A CRL distribution point (J-LIS's stand-in): serves whatever the test puts there, with an ETag."""

from __future__ import annotations

import hashlib

from .local_http import LocalHTTPPeer, QuietHandler


class CRLServer(LocalHTTPPeer):
    def __init__(self):
        self.body = b""
        self.status = 200
        self.requests: list[dict] = []  # what each request asked for (its If-None-Match)
        server = self

        class Handler(QuietHandler):
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

        super().__init__(Handler, "/jpki/sign.crl")

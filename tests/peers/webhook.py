"""A webhook receiver (the messaging gateway's stand-in) that checks signatures and answers as told."""

from __future__ import annotations

import hashlib
import hmac
import json

from .local_http import LocalHTTPPeer, QuietHandler


class WebhookReceiver(LocalHTTPPeer):
    def __init__(self, secret: str, answers: list[int] | None = None):
        self.secret = secret
        self.answers = list(answers or [])  # status codes to answer, in order; then 200
        self.calls: list[dict] = []
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                signature = self.headers.get("X-Takamatsu-Signature", "")
                parts = dict(p.split("=", 1) for p in signature.split(",") if "=" in p)
                expected = hmac.new(
                    receiver.secret.encode(), parts.get("t", "").encode() + b"." + body, hashlib.sha256
                ).hexdigest()
                valid = hmac.compare_digest(expected, parts.get("v1", ""))
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.calls.append({"body": json.loads(body), "valid_signature": valid, "status": status})
                self.send_response(status)
                self.end_headers()

        super().__init__(Handler, "/hook")

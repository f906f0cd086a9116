"""The phone app's side of JPKI verification: ask for a challenge, sign it with the card, post it.

Used by the tests against a live server (HTTP transport) and by the demo "use a demo card" button
(in-process transport through the same API endpoints). A real phone app does the same over NFC with the
card's signature key and PIN.
"""

from __future__ import annotations

import base64
import http.cookiejar
import json
import urllib.error
import urllib.request
from typing import Protocol

from .jpki_testca import DemoCard


class Transport(Protocol):
    def post_json(self, path: str, payload: dict | None) -> tuple[int, dict]: ...


class JPKIPhoneClient:
    challenge_path = "/api/v1/identity/jpki/challenge"
    verify_path = "/api/v1/identity/jpki/verify"

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def verify(self, card: DemoCard, *, keep_basic_info: bool = False) -> tuple[int, dict]:
        status, challenge = self.transport.post_json(self.challenge_path, None)
        if status != 201:
            return status, challenge
        encoded = challenge["nonce"]
        nonce = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        return self.transport.post_json(
            self.verify_path,
            {
                "challenge_id": challenge["challenge_id"],
                "certificate": base64.b64encode(card.der).decode(),
                "intermediates": [],
                "signature": base64.b64encode(card.sign(nonce)).decode(),
                "keep_basic_info": keep_basic_info,
            },
        )


class HTTPTransport:
    """JSON over HTTP with a session cookie and the CSRF token, as a logged-in app would send it."""

    def __init__(self, base_url: str, cookies: http.cookiejar.CookieJar | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.cookies = cookies or http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def _csrf(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def post_json(self, path: str, payload: dict | None) -> tuple[int, dict]:
        body = json.dumps(payload or {}).encode()
        request = urllib.request.Request(  # noqa: S310 - the base URL is our own server, http(s) only
            self.base_url + path,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self._csrf(),
                "Referer": self.base_url + "/",
            },
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


class InProcessTransport:
    """Calls our own API views inside this request, as the same user and session (demo button only)."""

    def __init__(self, request) -> None:
        self.request = request

    def post_json(self, path: str, payload: dict | None) -> tuple[int, dict]:
        from django.test import RequestFactory  # demo-only path; builds a proper WSGIRequest
        from django.urls import resolve

        sub = RequestFactory().post(
            path,
            data=json.dumps(payload or {}),
            content_type="application/json",
            HTTP_HOST=self.request.get_host(),
        )
        sub.user = self.request.user
        sub.session = self.request.session
        sub._dont_enforce_csrf_checks = True  # the outer request already passed the CSRF check
        match = resolve(path)
        response = match.func(sub, *match.args, **match.kwargs)
        return response.status_code, json.loads(response.content or b"{}")

"""A real OpenID Connect provider process for the tests: the digital authentication app's stand-in.

Speaks the protocol over HTTP: discovery, JWKS, an authorization endpoint with a consent page, a token
endpoint with client authentication and PKCE (S256) checks, and userinfo. ID tokens are RS256 JWTs.
A control endpoint lets a test ask for a broken token (bad signature, wrong nonce, wrong audience,
expired) to prove that the client refuses it.

Run: python tests/peers/oidc_provider.py PORT CLIENT_ID CLIENT_SECRET
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

PORT, CLIENT_ID, CLIENT_SECRET = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ISSUER = f"http://127.0.0.1:{PORT}"
KEY = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})
STATE = {
    "mode": "ok",
    "claims": {
        "sub": "test-subject-0001",
        "name": "瀬戸　花子",
        "address": {"formatted": "香川県高松市サンポート2番1号"},
        "birthdate": "2001-04-05",
        "gender": "female",
    },
}
CODES: dict[str, dict] = {}
TOKENS: dict[str, dict] = {}
LOCK = threading.Lock()


def id_token(nonce: str) -> str:
    mode = STATE["mode"]
    now = int(time.time())
    claims = {
        **STATE["claims"],
        "iss": ISSUER,
        "aud": "someone-else" if mode == "wrong_audience" else CLIENT_ID,
        "iat": now,
        "exp": now - 600 if mode == "expired" else now + 300,
        "nonce": "not-the-nonce-you-sent" if mode == "wrong_nonce" else nonce,
    }
    key = OTHER_KEY if mode == "bad_signature" else KEY
    return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, key)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(raw or "{}")
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            return self._json(200, {
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/authorize",
                "token_endpoint": f"{ISSUER}/token",
                "userinfo_endpoint": f"{ISSUER}/userinfo",
                "jwks_uri": f"{ISSUER}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "name", "address", "birthdate", "gender"],
            })  # fmt: skip
        if url.path == "/jwks":
            return self._json(200, KeySet([KEY]).as_dict(private=False))
        if url.path == "/authorize":
            problems = []
            if query.get("client_id") != CLIENT_ID:
                problems.append("unknown client")
            if query.get("response_type") != "code":
                problems.append("response_type must be code")
            if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
                problems.append("PKCE S256 is required")
            if "openid" not in query.get("scope", "").split():
                problems.append("scope must include openid")
            if problems:
                return self._json(400, {"error": "invalid_request", "error_description": "; ".join(problems)})
            fields = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                for k, v in query.items()
            )
            page = (
                '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>デジタル認証アプリ（テスト）</title>'
                '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>'
                "<h1>デジタル認証アプリ（テスト）</h1><p>たかまつデジタル市役所に、氏名・住所・生年月日・性別を提供します。</p>"
                f'<form method="post" action="/authorize/approve">{fields}<button type="submit">同意して提供する</button></form>'
                "</main></body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return None
        if url.path == "/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in TOKENS:
                return self._json(401, {"error": "invalid_token"})
            return self._json(200, STATE["claims"])
        return self._json(404, {"error": "not_found"})

    def do_POST(self):
        url = urlparse(self.path)
        form = self._form()
        if url.path == "/_control":
            with LOCK:
                STATE["mode"] = form.get("mode", STATE["mode"])
                if "claims" in form:
                    STATE["claims"] = form["claims"]
            return self._json(200, {"mode": STATE["mode"]})
        if url.path == "/authorize/approve":
            code = secrets.token_urlsafe(24)
            with LOCK:
                CODES[code] = {**form, "issued": time.time()}
            target = form["redirect_uri"] + ("&" if "?" in form["redirect_uri"] else "?")
            self.send_response(302)
            self.send_header("Location", target + urlencode({"code": code, "state": form.get("state", "")}))
            self.end_headers()
            return None
        if url.path == "/token":
            auth = self.headers.get("Authorization", "")
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if auth != expected:
                return self._json(401, {"error": "invalid_client"})
            with LOCK:
                grant = CODES.pop(form.get("code", ""), None)  # single use
            if grant is None or time.time() - grant["issued"] > 60:
                return self._json(400, {"error": "invalid_grant"})
            if form.get("redirect_uri") != grant["redirect_uri"]:
                return self._json(400, {"error": "invalid_grant", "error_description": "redirect_uri"})
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            )
            if challenge != grant.get("code_challenge"):
                return self._json(
                    400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
                )
            access = secrets.token_urlsafe(24)
            TOKENS[access] = {"sub": STATE["claims"]["sub"]}
            return self._json(200, {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token(grant.get("nonce", "")),
            })  # fmt: skip
        return self._json(404, {"error": "not_found"})


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()

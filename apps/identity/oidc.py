"""OpenID Connect with the national digital authentication app (SPEC §3.2 route 2).

Authorization code flow with PKCE (S256); the ID token's signature is checked against the provider's
JWKS, and its issuer, audience, expiry and nonce against what we expect. authlib does the protocol work.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from apps.core.errors import ApplicationError

TIMEOUT = 10
# Signed tokens only: "none" and HMAC algorithms (keyed by a secret the client knows) are refused.
ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256"]


class OIDCError(ApplicationError):
    code = "oidc_failed"


@dataclass
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str


def configured() -> bool:
    conf = settings.TAKAMATSU_OIDC
    return bool(conf.get("ISSUER") and conf.get("CLIENT_ID"))


def provider() -> Provider:
    conf = settings.TAKAMATSU_OIDC
    if not configured():
        raise OIDCError(
            _("デジタル認証アプリとの連携が設定されていません。"), code="oidc_unavailable", status=503
        )
    issuer = conf["ISSUER"].rstrip("/")
    try:
        meta = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT).json()
    except (requests.RequestException, ValueError) as exc:
        raise OIDCError(_("認証サーバーに接続できません。"), code="oidc_unavailable", status=503) from exc
    if meta.get("issuer", "").rstrip("/") != issuer:
        raise OIDCError(_("認証サーバーの設定が一致しません。"), code="oidc_unavailable", status=503)
    return Provider(
        issuer=meta["issuer"],
        client_id=conf["CLIENT_ID"],
        client_secret=conf.get("CLIENT_SECRET") or "",
        scopes=conf.get("SCOPES", "openid"),
        authorization_endpoint=meta["authorization_endpoint"],
        token_endpoint=meta["token_endpoint"],
        jwks_uri=meta["jwks_uri"],
        userinfo_endpoint=meta.get("userinfo_endpoint", ""),
    )


def _session(p: Provider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=p.client_id,
        client_secret=p.client_secret,
        scope=p.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if p.client_secret else "none",
    )


def authorization_start(*, redirect_uri: str) -> tuple[str, dict]:
    """The URL to send the browser to, and what to remember in the session until it comes back."""
    p = provider()
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    url, _state = _session(p, redirect_uri).create_authorization_url(
        p.authorization_endpoint,
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    return url, {"state": state, "nonce": nonce, "verifier": verifier, "redirect_uri": redirect_uri}


def authorization_finish(*, pending: dict, callback_url: str, state: str) -> dict:
    """Exchange the code (with the PKCE verifier) and return the checked claims of the ID token."""
    if not pending or not state or not secrets.compare_digest(state, pending.get("state", "")):
        raise OIDCError(
            _("認証の状態が一致しません。最初からやり直してください。"), code="oidc_state_mismatch"
        )
    p = provider()
    try:
        token = _session(p, pending["redirect_uri"]).fetch_token(
            p.token_endpoint,
            authorization_response=callback_url,
            code_verifier=pending["verifier"],
            timeout=TIMEOUT,
        )
    except Exception as exc:  # authlib raises OAuthError, requests its own: both mean the exchange failed
        raise OIDCError(
            _("認証サーバーからトークンを受け取れませんでした。"), code="oidc_token_failed"
        ) from exc
    id_token = token.get("id_token")
    if not id_token:
        raise OIDCError(_("ID トークンがありません。"), code="oidc_token_invalid")
    claims = id_token_verify(p, id_token=id_token, nonce=pending["nonce"])
    if p.userinfo_endpoint and token.get("access_token"):
        try:
            info = requests.get(
                p.userinfo_endpoint,
                headers={"Authorization": f"Bearer {token['access_token']}"},
                timeout=TIMEOUT,
            ).json()
        except (requests.RequestException, ValueError):
            info = {}
        if info.get("sub") == claims["sub"]:  # OIDC Core 5.3.2: userinfo must be about the same subject
            claims = {**info, **claims}
    return claims


def id_token_verify(p: Provider, *, id_token: str, nonce: str) -> dict:
    try:
        jwks = KeySet.import_key_set(requests.get(p.jwks_uri, timeout=TIMEOUT).json())
        token = jwt.decode(id_token, jwks, algorithms=ID_TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": p.issuer},
            aud={"essential": True, "value": p.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError, KeyError, requests.RequestException) as exc:
        raise OIDCError(_("ID トークンを検証できませんでした。"), code="oidc_token_invalid") from exc
    return dict(token.claims)

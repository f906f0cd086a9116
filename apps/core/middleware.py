"""Cross-cutting HTTP middleware: the API's language, the session limits and Content-Security-Policy."""

import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.utils import translation


class ApiLanguageMiddleware:
    """The JSON API (/api/) has no /en/ prefix, so LocaleMiddleware would always answer it in Japanese:
    its messages (the `detail` of an error) follow the caller's Accept-Language or language cookie
    instead, Japanese when neither asks for a language we have. Placed right after LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


# No 'unsafe-inline': every script and style comes from our own static files.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

ADMIN_CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
)


def _csp() -> str:
    """The site policy; sending the OIDC start form redirects to the provider, which form-action covers."""
    issuer = settings.TAKAMATSU_OIDC.get("ISSUER", "")
    if not issuer:
        return CSP
    parts = urlsplit(issuer)
    return CSP.replace("form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")


SIGNED_IN_AT = "_signed_in_at"
LAST_SEEN = "_last_seen"


def session_signed_in(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the absolute limit counts from each sign-in."""
    request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = int(time.time())


class SessionLimitsMiddleware:
    """Idle (SESSION_IDLE_SECONDS) and absolute (SESSION_COOKIE_AGE) session limits (SPEC §5, ASVS 3.3).

    Writing the idle clock into the session saves it, and every save pushes the cookie's and the stored
    session's expiry SESSION_COOKIE_AGE further out: the absolute limit is therefore kept in the session
    itself, as the time of sign-in, and enforced here. Placed after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            session, now = request.session, int(time.time())
            signed_in = session.setdefault(SIGNED_IN_AT, now)  # a session older than this rule: from now
            last = session.get(LAST_SEEN, now)
            if now - last > settings.SESSION_IDLE_SECONDS or now - signed_in > settings.SESSION_COOKIE_AGE:
                logout(request)
            elif now - last >= 60 or LAST_SEEN not in session:
                # Minute precision is enough for an idle limit and spares a session write per request.
                session[LAST_SEEN] = now
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", _csp())
        else:
            # Django admin and import-export ship inline scripts/styles of their own.
            response.headers.setdefault("Content-Security-Policy", ADMIN_CSP)
        return response

"""Cross-cutting HTTP middleware: the API's language, Content-Security-Policy and the idle session limit."""

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


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            # Idle limit on top of the absolute SESSION_COOKIE_AGE (ASVS 3.3).
            now = int(time.time())
            last = request.session.get("_last_seen", now)
            if now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
            elif now - last >= 60 or "_last_seen" not in request.session:
                # Minute precision is enough for an idle limit and spares a session write per request.
                request.session["_last_seen"] = now
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", _csp())
        else:
            # Django admin and import-export ship inline scripts/styles of their own.
            response.headers.setdefault("Content-Security-Policy", ADMIN_CSP)
        return response

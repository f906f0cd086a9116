"""Cross-cutting HTTP middleware: the API's language and errors, characters no request may carry, the
session limits and Content-Security-Policy."""

import re
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext as _

from .api import (
    UNREADABLE_REQUEST_ERRORS,
    api_error_response,
    is_api_request,
    status_error,
    unreadable_request_error,
)


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


class ApiErrorsMiddleware:
    """Every error answer under /api/ is the API's JSON error (SPEC §4), also those the NinjaAPI did not
    make: Django's page for an unknown path (404) or for a request it refused before the API saw it (400),
    and ninja's plain-text 405 for a known path with another method. A 5xx keeps its page under DEBUG, for
    the traceback. Placed right after ApiLanguageMiddleware: the detail is in the caller's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not is_api_request(request)
            or response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
            or (settings.DEBUG and response.status_code >= 500)
        ):
            return response
        code, detail = status_error(response.status_code)
        answer = api_error_response(code, detail, response.status_code)
        for header, value in response.items():  # Allow (405), Retry-After, security headers
            if header.lower() not in ("content-type", "content-length"):
                answer[header] = value
        answer.cookies = response.cookies
        return answer


# Control characters have no place in a path; in a query string a tab may be pasted text, a NUL never is.
_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _query_has_nul(request) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())


def _without_nul(query: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, values in query.lists():
        cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
    cleaned._mutable = False
    return cleaned


class RequestCharactersMiddleware:
    """Keep NUL from the database: PostgreSQL refuses it in text, so a NUL in a slug, a token, a query
    parameter or the session cookie (http.cookies unquotes "\\000") was a 500. Checked before anything loads
    the session or the user. A control character in the path or a NUL in a cookie is a 400 (the API's JSON
    error, Django's page elsewhere). A NUL in the query string is the API's 400; a page drops it and answers
    as without (a hostile search still gets a normal page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = is_api_request(request)
        try:
            query_nul = _query_has_nul(request)
        except UNREADABLE_REQUEST_ERRORS as exc:  # more query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS
            if not api:
                raise
            error = unreadable_request_error(exc)
            return api_error_response(error.code, error.detail, error.status)
        cookie_nul = any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items())
        if _PATH_CONTROL.search(request.path) or cookie_nul or (api and query_nul):
            if api:
                detail = _("URL や Cookie に使えない文字（NUL や制御文字）が含まれています。")
                return api_error_response("invalid_request", detail, 400)
            raise BadRequest("NUL or a control character in the path or a cookie")
        if query_nul:
            request.GET = _without_nul(request.GET)
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

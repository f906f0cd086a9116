"""The public JSON API at /api/v1/ (SPEC §4): errors are {"error": code, "detail": message}."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from apps.catalogue.api import router as catalogue_router
from apps.core.api import UNREADABLE_REQUEST_ERRORS, status_error, unreadable_request_error
from apps.core.errors import ApplicationError
from apps.counter.api import router as counter_router
from apps.identity.api import router as identity_router
from apps.wallet.api import router as wallet_router


class UnicodeJSONRenderer(JSONRenderer):
    media_type = "application/json"  # ninja adds "; charset=utf-8" (the renderer's charset) itself
    json_dumps_params = {"ensure_ascii": False}  # Japanese stays readable for integrators


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    title="Takamatsu Digital City Hall API",
    version="1",
    description="Open data and service API of たかまつデジタル市役所.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,
)
api.add_router("/", catalogue_router)
api.add_router("/identity", identity_router)
api.add_router("/counter", counter_router)
api.add_router("/wallet", wallet_router)


def _error(request, code: str, detail: str, status: int):
    return api.create_response(request, {"error": code, "detail": detail}, status=status)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return _error(request, exc.code, exc.detail, exc.status)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', [])[1:]) or 'body'}: {e.get('msg', '')}" for e in exc.errors
    )
    return _error(request, "invalid_request", problems, 400)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return _error(request, "not_authenticated", _("ログインが必要です。"), 401)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, "not_found", _("見つかりません。"), 404)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # ninja's own (the CSRF check of the session auth: 403): a stable code and our words, not its English.
    code, detail = status_error(exc.status_code)
    return _error(request, code, detail, exc.status_code)


def unreadable_request(request, exc: Exception):
    """Django could not read the body (too large, too many fields, a multipart body without boundary…):
    raised where json_body() or the CSRF check of the session auth reads request.body or request.POST."""
    error = unreadable_request_error(exc)
    return _error(request, error.code, error.detail, error.status)


for unreadable in UNREADABLE_REQUEST_ERRORS:
    api.add_exception_handler(unreadable, unreadable_request)

"""Helpers shared by the JSON API endpoints of every app.

One place turns whatever a client sends that cannot be read into the API's error of SPEC §4,
`{"error": code, "detail": message}` with a 4xx: a body too large or with too many fields, not UTF-8, not
strict JSON, nested too deep, a NUL character anywhere, the wrong content type, a multipart body without
boundary (Django raises those when request.body, .POST or .FILES is read: in `json_body()` or in the
CSRF check of the session auth). The NinjaAPI's exception handlers and `ApiErrorsMiddleware` use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from .errors import ApplicationError

API_PREFIX = "/api/"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
# Our bodies are two levels deep; anything deeper is an attack on the parser, not a request.
MAX_JSON_DEPTH = 16

# What Django raises while it reads a request's body or query (all of them "the request cannot be read").
UNREADABLE_REQUEST_ERRORS = (SuspiciousOperation, BadRequest, MultiPartParserError, UnreadablePostError)


class StrictSchema(Schema):
    """Base of every API input schema: no coercion. `true` is not the amount 1, "10" and 10.0 are not
    integers, 1 is not a boolean."""

    model_config = ConfigDict(strict=True)


def _query_digits(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value):
        return int(value)
    return value  # left for the strict integer check to refuse


# A query parameter is text on the wire: an integer is plain ASCII digits ("1.0", "+5", "1_0" refused).
QueryInt = Annotated[int, BeforeValidator(_query_digits)]


class ErrorOut(Schema):
    """Every API error (SPEC §4)."""

    error: str = Field(description="Stable error code, e.g. invalid_request, not_found, payload_too_large")
    detail: str = Field(description="Human message in the caller's language (Accept-Language)")


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers of an operation, for its `response=` declaration (and so its OpenAPI document)."""
    return dict.fromkeys(statuses, ErrorOut)


def json_request_body(schema: type[Schema]) -> dict:
    """`openapi_extra` for an operation that reads its body with `json_body()`."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema.model_json_schema()}},
        }
    }


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error_response(code: str, detail: str, status: int) -> HttpResponse:
    """The API's error as an HttpResponse, for answers made outside the NinjaAPI (middleware)."""
    body = json.dumps({"error": code, "detail": detail}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type=JSON_CONTENT_TYPE)


def too_large() -> ApplicationError:
    return ApplicationError(_("送信データが大きすぎます。"), code="payload_too_large", status=413)


def invalid_request(detail: str) -> ApplicationError:
    return ApplicationError(detail, code="invalid_request", status=400)


def unreadable_request_error(exc: Exception) -> ApplicationError:
    """The API error for a request Django could not read (one of UNREADABLE_REQUEST_ERRORS)."""
    if isinstance(exc, RequestDataTooBig):
        return too_large()
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return ApplicationError(_("送信された項目が多すぎます。"), code="payload_too_large", status=413)
    if isinstance(exc, MultiPartParserError):
        return invalid_request(_("フォームデータ（multipart）として読み取れません。"))
    if isinstance(exc, UnreadablePostError):
        return invalid_request(_("送信データを最後まで受け取れませんでした。"))
    return invalid_request(_("リクエストを読み取れません。"))


# The error of an answer that carries no error of ours (a 404 of an unknown path, a 405 of ninja).
STATUS_ERRORS = {
    400: ("invalid_request", lambda: _("リクエストを読み取れません。")),
    401: ("not_authenticated", lambda: _("ログインが必要です。")),
    403: ("forbidden", lambda: _("この操作は許可されていません。")),
    404: ("not_found", lambda: _("見つかりません。")),
    405: ("method_not_allowed", lambda: _("この URL ではこのメソッドは使えません。")),
    413: ("payload_too_large", lambda: _("送信データが大きすぎます。")),
    415: ("unsupported_media_type", lambda: _("Content-Type は application/json にしてください。")),
    429: ("too_many_requests", lambda: _("リクエストが多すぎます。しばらくしてからお試しください。")),
}


def status_error(status: int) -> tuple[str, str]:
    """(code, detail) for an HTTP status alone."""
    if status in STATUS_ERRORS:
        code, detail = STATUS_ERRORS[status]
        return code, detail()
    if status >= 500:
        return "server_error", _("サーバーでエラーが起きました。時間をおいてお試しください。")
    try:
        return "http_error", HTTPStatus(status).phrase
    except ValueError:
        return "http_error", str(status)


def _refuse_unreadable_strings(data: Any) -> None:
    """No NUL (PostgreSQL refuses it in text) and no lone surrogate (not UTF-8, so not storable) in any key or
    string, and no nesting beyond MAX_JSON_DEPTH. Iterative: the depth is what is being checked."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise invalid_request(_("JSON の入れ子が深すぎます。"))
            children: Iterable = value.values() if isinstance(value, dict) else value
            if isinstance(value, dict):
                for key in value:
                    _refuse_unreadable_text(key)
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(value, str):
            _refuse_unreadable_text(value)


def _refuse_unreadable_text(text: str) -> None:
    if "\x00" in text:
        raise invalid_request(_("NUL 文字（U+0000）は送れません。"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        detail = _("文字として読み取れない値（対になっていないサロゲート）があります。")
        raise invalid_request(detail) from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def json_object(request: HttpRequest) -> dict:
    """The request's body as a JSON object, read strictly: content type, size, UTF-8, strict JSON (no NaN),
    nesting depth and characters, each refused with the API's error."""
    if (request.content_type or "") != "application/json":
        raise ApplicationError(
            _("Content-Type は application/json にしてください。"), code="unsupported_media_type", status=415
        )
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if announced > settings.TAKAMATSU_API_MAX_BODY_BYTES:
        raise too_large()  # refused before a byte is read
    try:
        raw = request.body
    except UNREADABLE_REQUEST_ERRORS as exc:
        raise unreadable_request_error(exc) from exc
    if len(raw) > settings.TAKAMATSU_API_MAX_BODY_BYTES:
        raise too_large()
    try:
        text = raw.decode("utf-8")  # RFC 8259: JSON between systems is UTF-8 (json.loads would guess UTF-16)
    except UnicodeDecodeError as exc:
        raise invalid_request(_("UTF-8 として読み取れません。")) from exc
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise invalid_request(_("JSON の入れ子が深すぎます。")) from exc
    except ValueError as exc:  # also a BOM, and integers longer than Python reads
        raise invalid_request(_("JSON として読み取れません。")) from exc
    if not isinstance(data, dict):
        raise invalid_request(_("JSON オブジェクトを送ってください。"))
    _refuse_unreadable_strings(data)
    return data


def json_body(request: HttpRequest, schema: type[Schema]) -> Schema:
    """Parse a JSON body strictly (see `json_object()`) and validate it with a StrictSchema."""
    data = json_object(request)
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise invalid_request(problems) from exc

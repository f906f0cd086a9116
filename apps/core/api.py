"""Helpers shared by the JSON API endpoints of every app."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ValidationError as PydanticValidationError

from .errors import ApplicationError


def json_body(request: HttpRequest, schema: type[Schema]) -> Schema:
    """Parse a JSON body strictly: content type, size limit and schema, each with its own error code."""
    content_type = request.content_type or ""
    if content_type != "application/json":
        raise ApplicationError(
            _("Content-Type は application/json にしてください。"), code="unsupported_media_type", status=415
        )
    if len(request.body) > settings.TAKAMATSU_API_MAX_BODY_BYTES:
        raise ApplicationError(_("送信データが大きすぎます。"), code="payload_too_large", status=413)
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApplicationError(_("JSON として読み取れません。"), code="invalid_request") from exc
    if not isinstance(data, dict):
        raise ApplicationError(_("JSON オブジェクトを送ってください。"), code="invalid_request")
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ApplicationError(problems, code="invalid_request") from exc

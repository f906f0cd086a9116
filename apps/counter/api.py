"""Staff API of SPEC §4: GET /api/v1/counter/requests/{token} (counter staff with a second factor)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.security import SessionAuth

from apps.core.api import error_responses
from apps.core.errors import ApplicationError
from apps.core.second_factor import second_factor_check
from apps.identity.constants import Role

from . import services
from .constants import AuditAction


class CounterStaffAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if not user:
            return None
        if not (user.is_superuser or user.groups.filter(name=Role.COUNTER_STAFF.value).exists()):
            raise ApplicationError(_("窓口職員だけが使えます。"), code="forbidden", status=403)
        second_factor_check(request)  # the one rule: a factor still held, and used in this session
        return user


router = Router(tags=["counter"], auth=CounterStaffAuth())


class CounterRequestOut(Schema):
    id: str
    reference: str = Field(description="The short code: the one reference on every screen and paper")
    form: str
    status: str
    fields: dict[str, Any] = Field(description="The form's fields as the resident filled them")
    gaiji_fields: list[str] = Field(description="Fields with characters outside JIS X 0208")
    fee_yen: int
    expires_at: dt.datetime
    created_at: dt.datetime


@router.get(
    "/requests/{token}",
    response={200: CounterRequestOut, **error_responses(400, 401, 403, 404, 410, 429)},
    summary="A counter request by its QR token or short code (staff only)",
)
def counter_request(request: HttpRequest, token: str):
    found = services.counter_lookup(staff=request.user, code=token)
    services.counter_request_viewed(staff=request.user, request=found, action=AuditAction.API_VIEW)
    return {
        "id": str(found.pk),
        "reference": found.reference,
        "form": found.form,
        "status": found.status,
        "fields": found.data,
        "gaiji_fields": found.gaiji_fields,
        "fee_yen": found.fee_yen,
        "expires_at": found.expires_at,
        "created_at": found.created_at,
    }

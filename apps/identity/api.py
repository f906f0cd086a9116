"""JPKI endpoints of SPEC §4, called by the phone app (NFC) or a counter card reader."""

from __future__ import annotations

import base64
import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from apps.core.api import StrictSchema, error_responses, json_body, json_request_body

from . import services

router = Router(tags=["identity"], auth=django_auth)


class ChallengeOut(Schema):
    challenge_id: str
    nonce: str = Field(description="base64url of 32 random bytes; sign these raw bytes")
    expires_at: dt.datetime


class VerifyIn(StrictSchema):
    challenge_id: str = Field(max_length=64)
    certificate: str = Field(max_length=16_000, description="base64 DER of the signature certificate")
    intermediates: list[str] = Field(default_factory=list, max_length=4)
    signature: str = Field(max_length=2_000, description="base64 RSASSA-PKCS1-v1_5 SHA-256 over the nonce")
    keep_basic_info: bool = Field(
        False, description="keep the 基本4情報 to pre-fill counter forms (opt-in: the resident consents)"
    )


class VerifyOut(Schema):
    status: str
    resident: bool
    certificate_expires_at: dt.datetime | None


@router.post(
    "/jpki/challenge",
    # No body is read, but a form body is (by the CSRF check): 400 and 413 when it cannot be.
    response={201: ChallengeOut, **error_responses(400, 401, 403, 413)},
    summary="Issue a single-use nonce",
)
def jpki_challenge(request: HttpRequest):
    challenge = services.jpki_challenge_create(user=request.user)
    return Status(
        201,
        {
            "challenge_id": str(challenge.pk),
            "nonce": base64.urlsafe_b64encode(bytes(challenge.nonce)).decode().rstrip("="),
            "expires_at": challenge.expires_at,
        },
    )


@router.post(
    "/jpki/verify",
    response={200: VerifyOut, **error_responses(400, 401, 403, 404, 409, 413, 415, 503)},
    summary="Verify the card's signature over the nonce",
    openapi_extra=json_request_body(VerifyIn),
)
def jpki_verify(request: HttpRequest):
    body = json_body(request, VerifyIn)
    verification = services.jpki_verify(
        user=request.user,
        challenge_id=body.challenge_id,
        certificate=body.certificate,
        intermediates=body.intermediates,
        signature=body.signature,
        keep_basic_info=body.keep_basic_info,
    )
    return {
        "status": "verified",
        "resident": verification.is_takamatsu_resident,
        "certificate_expires_at": verification.certificate_expires_at,
    }

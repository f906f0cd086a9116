"""Wallet API of SPEC §4 (resident): balance and payments, every write with an idempotency key."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from apps.core.api import StrictSchema, error_responses, json_body, json_request_body

from . import selectors, services

router = Router(tags=["wallet"], auth=django_auth)


class PaymentIn(StrictSchema):
    merchant: str = Field(max_length=50, description="The shop's merchant code")
    amount: int = Field(description="Points to pay, a positive integer")
    idempotency_key: str = Field(min_length=8, max_length=100, description="A retry with it pays once")


class ExpiringOut(Schema):
    amount: int
    expires_at: dt.datetime


class WalletOut(Schema):
    balance: int
    expiring: list[ExpiringOut] = Field(description="Points expiring soon, per day, soonest first")


class PaymentRecordOut(Schema):
    id: str
    merchant: str
    amount: int
    created_at: dt.datetime


class PaymentOut(Schema):
    payment: PaymentRecordOut
    balance: int = Field(description="The resident's balance after the payment")


@router.get(
    "",
    response={200: WalletOut, **error_responses(400, 401)},
    summary="My balance and points about to expire",
)
def wallet(request: HttpRequest):
    return {
        "balance": selectors.wallet_balance(user=request.user),
        "expiring": selectors.wallet_expiring(user=request.user),
    }


@router.post(
    "/payments",
    summary="Pay a merchant (idempotent)",
    response={201: PaymentOut, **error_responses(400, 401, 403, 404, 409, 413, 415)},
    openapi_extra=json_request_body(PaymentIn),
)
def payment(request: HttpRequest):
    body = json_body(request, PaymentIn)
    result = services.payment_create(
        user=request.user,
        merchant_code=body.merchant,
        amount=body.amount,
        idempotency_key=body.idempotency_key,
    )
    tx = result.transaction
    payment = {
        "id": str(tx.pk),
        "merchant": result.merchant.code,
        "amount": result.amount,
        "created_at": tx.created_at,
    }
    payload = {"payment": payment, "balance": result.balance}
    return Status(201, payload)

"""Wallet API of SPEC §4 (resident): balance and payments, every write with an idempotency key."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from apps.core.api import json_body

from . import selectors, services

router = Router(tags=["wallet"], auth=django_auth)


class PaymentIn(Schema):
    merchant: str = Field(max_length=50)
    amount: int
    idempotency_key: str = Field(min_length=8, max_length=100)


@router.get("", summary="My balance and points about to expire")
def wallet(request: HttpRequest):
    return {
        "balance": selectors.wallet_balance(user=request.user),
        "expiring": selectors.wallet_expiring(user=request.user),
    }


@router.post("/payments", summary="Pay a merchant (idempotent)", response={201: dict, 200: dict})
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

"""Payment providers for voucher purchases: one interface, and a sandbox provider for development.

A provider starts a checkout for a reservation (a reference and the page where the resident pays) and
later tells us the outcome in a notification signed with a secret we share. We act only on a notification
whose signature verifies, never on a bare redirect or GET parameter. The sandbox plays the provider with
a hosted "card payment" page of our own; it exists only where demo data may (`TAKAMATSU_DEMO`).
"""

from __future__ import annotations

import hmac
import json
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from .constants import PaymentMethod


class PaymentProviderError(Exception):
    """A notification that is not authentic or not understood."""


@dataclass(frozen=True)
class Checkout:
    ref: str  # the provider's reference of the payment, unique
    url: str  # where the resident pays


@dataclass(frozen=True)
class PaymentNotice:
    """What a verified notification says: the payment `ref` of `amount` yen succeeded (or not)."""

    ref: str
    amount: int
    paid: bool


class PaymentProvider(ABC):
    code: str

    @abstractmethod
    def checkout_start(self, *, reservation) -> Checkout:
        """Open a payment of `reservation.amount_due` yen at the provider."""

    @abstractmethod
    def notice_verify(self, *, body: bytes, signature: str) -> PaymentNotice:
        """The outcome from a notification the provider sent; PaymentProviderError if not authentic."""


class SandboxProvider(PaymentProvider):
    """A stand-in card provider: hosted page /wallet/vouchers/sandbox/<ref>/, notices signed with HMAC."""

    code = PaymentMethod.SANDBOX
    _salt = "apps.wallet.payment_providers.SandboxProvider"

    def checkout_start(self, *, reservation) -> Checkout:
        ref = "sbx_" + secrets.token_hex(12)
        return Checkout(ref=ref, url=reverse("wallet:voucher_sandbox", args=[ref]))

    def sign(self, body: bytes) -> str:
        return salted_hmac(self._salt, body, algorithm="sha256").hexdigest()

    def notice_make(self, *, ref: str, amount: int, paid: bool) -> tuple[bytes, str]:
        """What the sandbox sends when the card holder pays or declines: a JSON body and its signature."""
        body = json.dumps({"ref": ref, "amount": amount, "result": "paid" if paid else "declined"}).encode()
        return body, self.sign(body)

    def notice_verify(self, *, body: bytes, signature: str) -> PaymentNotice:
        if not isinstance(signature, str) or not hmac.compare_digest(self.sign(body), signature):
            raise PaymentProviderError("bad signature")
        try:
            data = json.loads(body)
            ref, amount, result = data["ref"], data["amount"], data["result"]
        except (ValueError, KeyError, TypeError):
            raise PaymentProviderError("malformed notice") from None
        if not isinstance(ref, str) or not isinstance(amount, int) or result not in ("paid", "declined"):
            raise PaymentProviderError("malformed notice")
        return PaymentNotice(ref=ref, amount=amount, paid=result == "paid")


def sandbox_enabled() -> bool:
    return bool(getattr(settings, "TAKAMATSU_DEMO", False))


def provider_get(code: str) -> PaymentProvider:
    """The provider for a payment method; the sandbox only where demo data is allowed."""
    if code == PaymentMethod.SANDBOX and sandbox_enabled():
        return SandboxProvider()
    raise PaymentProviderError(f"no provider {code!r}")

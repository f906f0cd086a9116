"""Reads of the wallet: the wallet app's public read interface."""

from __future__ import annotations

from django.db.models import Sum
from django.http import Http404

from .constants import TransactionKind
from .models import Account, Entry, Merchant, Transaction


def wallet_balance(*, user) -> int:
    account = Account.objects.filter(owner=user).only("balance").first()
    return account.balance if account else 0


def wallet_history(*, user, limit: int = 20) -> list:
    """The user's latest ledger entries with their transaction (two queries)."""

    return list(
        Entry.objects.filter(account__owner=user)
        .select_related("transaction")
        .order_by("-created_at")[:limit]
    )


def payment_for_payer(*, user, pk):
    """A payment the user made; another resident's (or an unknown) one is a 404."""

    try:
        return Transaction.objects.prefetch_related("entries__account__merchant").get(
            pk=pk, kind=TransactionKind.PAYMENT, entries__account__owner=user
        )
    except (Transaction.DoesNotExist, ValueError):
        raise Http404 from None


def merchant_for_user(*, user):

    return Merchant.objects.filter(owner=user, active=True).first()


def merchant_payments(*, merchant, limit: int = 30) -> list[dict]:
    """Latest payments received by the merchant with what was refunded of each (two queries)."""

    entries = list(
        Entry.objects.filter(account__merchant=merchant, transaction__kind=TransactionKind.PAYMENT)
        .select_related("transaction")
        .order_by("-created_at")[:limit]
    )
    refunded = dict(
        Entry.objects.filter(
            account__merchant=merchant, transaction__refund_of__in=[e.transaction_id for e in entries]
        )
        .values("transaction__refund_of")
        .annotate(total=Sum("amount"))
        .values_list("transaction__refund_of", "total")
    )
    return [
        {
            "entry": e,
            "refunded": -(refunded.get(e.transaction_id) or 0),
            "left": e.amount + (refunded.get(e.transaction_id) or 0),
        }
        for e in entries
    ]

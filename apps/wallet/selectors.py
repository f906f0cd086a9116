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


# --- expiry, merchants, settlements (onboarding and settlement part) --------------------------------


def wallet_expiring(*, user, days: int | None = None, now=None) -> list[dict]:
    """Points expiring within `days`: [{"amount", "expires_at"}] per local date, soonest first."""
    import datetime as dt

    from django.utils import timezone

    from .constants import EXPIRY_REMINDER_DAYS
    from .expiry import expiring_summary

    account = Account.objects.filter(owner=user).only("pk").first()
    if account is None:
        return []
    now = now or timezone.now()
    until = now + dt.timedelta(days=EXPIRY_REMINDER_DAYS if days is None else days)
    return expiring_summary(account_id=account.pk, now=now, until=until)


def merchant_list() -> list:
    """Every shop for the operator, active first, with its balance (one query)."""
    return list(Merchant.objects.select_related("owner", "account").order_by("-active", "code"))


def merchant_for_operator(*, code: str):
    try:
        return Merchant.objects.select_related("owner").get(code=code)
    except Merchant.DoesNotExist:
        raise Http404 from None


def settlement_list(*, date_from=None, date_to=None, limit: int | None = None) -> list:
    """Settlements made on local dates from `date_from` to `date_to` (both included), newest first."""
    import datetime as dt

    from django.utils import timezone

    from .models import Settlement

    settlements = Settlement.objects.select_related("merchant").order_by("-created_at")
    tz = timezone.get_current_timezone()
    if date_from:
        settlements = settlements.filter(
            created_at__gte=timezone.make_aware(dt.datetime.combine(date_from, dt.time.min), tz)
        )
    if date_to:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min)
        settlements = settlements.filter(created_at__lt=timezone.make_aware(end, tz))
    return list(settlements[:limit] if limit else settlements)

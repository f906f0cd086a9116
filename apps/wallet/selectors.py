"""Reads of the wallet: the wallet app's public read interface."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum
from django.http import Http404

from .constants import AccountKind, TransactionKind
from .models import Account, CampaignAward, Entry, Merchant, Transaction


def wallet_balance(*, user) -> int:
    account = Account.objects.filter(owner=user).only("balance").first()
    return account.balance if account else 0


def transaction_counterparties(*, entries: list[Entry], account: Account) -> dict:
    """What each transaction was with: the shop, the campaign, or the city's account it moved to/from
    (two queries for any number of entries)."""
    tx_ids = [e.transaction_id for e in entries]
    names: dict = defaultdict(list)
    for other in (
        Entry.objects.filter(transaction_id__in=tx_ids)
        .exclude(account=account)
        .select_related("account__merchant")
        .order_by("id")
    ):
        acct = other.account
        label = acct.merchant.name if acct.merchant_id else str(AccountKind(acct.kind).label)
        if label not in names[other.transaction_id]:
            names[other.transaction_id].append(label)
    for award in CampaignAward.objects.filter(transaction_id__in=tx_ids).select_related("campaign"):
        names[award.transaction_id] = [award.campaign.name]
    return {tx: "・".join(labels) for tx, labels in names.items()}


def wallet_history(*, user, limit: int = 20) -> list:
    """The user's latest ledger entries with their transaction and what each was with (`counterparty`:
    the shop, the campaign…), in four queries."""
    account = Account.objects.filter(owner=user).first()
    if account is None:
        return []
    entries = list(
        Entry.objects.filter(account=account).select_related("transaction").order_by("-created_at")[:limit]
    )
    counterparty = transaction_counterparties(entries=entries, account=account)
    for e in entries:
        e.counterparty = counterparty.get(e.transaction_id, "")
    return entries


def wallet_next_expiry(*, user) -> dict | None:
    """The soonest points to expire, however far off: {"amount", "expires_at"}, or None."""
    found = wallet_expiring(user=user, days=3660)
    return found[0] if found else None


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


def merchant_payment(*, merchant, pk) -> dict:
    """One payment the merchant received, as merchant_payments gives it; anyone else's is a 404."""
    try:
        entry = Entry.objects.select_related("transaction").get(
            account__merchant=merchant, transaction_id=pk, transaction__kind=TransactionKind.PAYMENT
        )
    except (Entry.DoesNotExist, ValueError):
        raise Http404 from None
    refunds = Entry.objects.filter(account__merchant=merchant, transaction__refund_of=entry.transaction_id)
    refunded = refunds.aggregate(total=Sum("amount"))["total"] or 0
    return {"entry": entry, "refunded": -refunded, "left": entry.amount + refunded}


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

"""Expiry of points and the reminders before it (part of the wallet app's public interface, SPEC §3.4).

Points live in lots (see `Lot`): payments take the lots closest to expiry first (oldest first, in
`services._lots_take`); what is left of a lot at its expiry moves to the expiry account in the nightly
sweep, one transaction per resident. The sweep locks the resident's account row before it reads the
lots, exactly as a payment does by updating it, so a payment and the sweep never take the same points;
running the sweep twice, or two at once, expires nothing twice (a swept lot has nothing left).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from apps.notifications.registry import register_event
from apps.notifications.services import notify

from .constants import EXPIRY_REMINDER_DAYS, AccountKind, TransactionKind
from .models import Account, Lot
from .services import ledger_post, request_hash, system_account

logger = logging.getLogger(__name__)

BATCH_SIZE = 200  # accounts per query; each account is its own short transaction


def _expire_account(*, account_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        lots = list(
            Lot.objects.filter(account=account, expires_at__lte=now, remaining__gt=0)
            .order_by("expires_at", "id")
            .values_list("id", "remaining")
        )
        total = sum(remaining for _, remaining in lots)
        if total == 0:
            return 0  # swept meanwhile by a concurrent run
        # The key names these lots on this date: a replay of the same sweep is refused by the database.
        day = timezone.localdate(now).isoformat()
        key = f"expiry:{account.pk}:{day}:{request_hash(*(pk for pk, _ in lots))[:32]}"
        ledger_post(
            kind=TransactionKind.EXPIRY,
            legs=[(account, -total), (system_account(AccountKind.EXPIRY), total)],
            key=key,
            fingerprint=request_hash("expiry", account.pk, total),
            lot_uses=lots,
        )
    return total


def _account_ids(lots, *, batch_size: int):
    """Accounts holding such lots, in batches by ascending id (keyset: no offset, no growing list)."""
    last = 0
    while True:
        ids = list(
            lots.filter(account_id__gt=last)
            .values_list("account_id", flat=True)
            .distinct()
            .order_by("account_id")[:batch_size]
        )
        if not ids:
            return
        yield from ids
        last = ids[-1]


def points_expire(*, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Move what is left of every lot past its expiry to the expiry account; returns the points expired."""
    now = now or timezone.now()
    expired = 0
    due = Lot.objects.filter(expires_at__lte=now, remaining__gt=0)
    for account_id in _account_ids(due, batch_size=batch_size):
        try:
            expired += _expire_account(account_id=account_id, now=now)
        except IntegrityError:
            # The same lots were swept under the same key today (a lot refunded after its sweep): tomorrow.
            logger.warning("expiry of account %s postponed: swept today already", account_id)
    if expired:
        logger.info("points expired total=%s", expired)
    return expired


def _remind_account(*, account_id: int, due, now: dt.datetime) -> bool:
    with transaction.atomic():
        # skip_locked: lots a concurrent run is reminding about are its business, not ours.
        lots = list(due.filter(account_id=account_id).select_for_update(skip_locked=True).order_by("id"))
        if not lots:
            return False
        Lot.objects.filter(pk__in=[lot.pk for lot in lots]).update(reminded_at=now)
        owner = Account.objects.select_related("owner").get(pk=account_id).owner
        if owner is None:
            return False  # the person deleted their account: nobody to tell
        first = min(lot.expires_at for lot in lots)
        notification = notify(
            recipient=owner,
            event="wallet.points_expiring",
            context={
                "amount": sum(lot.remaining for lot in lots),
                "expires_on": timezone.localdate(first).isoformat(),
            },
            dedupe_key=f"wallet.points_expiring:{account_id}:{lots[0].pk}:{lots[-1].pk}",
        )
        return notification is not None


def expiry_reminders_send(
    *, now: dt.datetime | None = None, days: int = EXPIRY_REMINDER_DAYS, batch_size: int = BATCH_SIZE
) -> int:
    """Tell each resident once about their points that expire within `days`; returns how many were told."""
    now = now or timezone.now()
    due = Lot.objects.filter(
        remaining__gt=0,
        expires_at__gt=now,
        expires_at__lte=now + dt.timedelta(days=days),
        reminded_at__isnull=True,
    )
    sent = sum(
        _remind_account(account_id=account_id, due=due, now=now)
        for account_id in _account_ids(due, batch_size=batch_size)
    )
    if sent:
        logger.info("expiry reminders sent=%s", sent)
    return sent


def expiring_summary(*, account_id: int, now: dt.datetime, until: dt.datetime | None = None) -> list[dict]:
    """Open lots of an account that expire after `now` (and by `until`), summed per local expiry date."""
    lots = Lot.objects.filter(account_id=account_id, remaining__gt=0, expires_at__gt=now)
    if until is not None:
        lots = lots.filter(expires_at__lte=until)
    by_day: dict[dt.date, dict] = {}
    for expires_at, amount in (
        lots.values("expires_at").annotate(amount=Sum("remaining")).values_list("expires_at", "amount")
    ):
        local = timezone.localtime(expires_at)
        group = by_day.setdefault(local.date(), {"amount": 0, "expires_at": local})
        group["amount"] += amount
        group["expires_at"] = min(group["expires_at"], local)
    return [by_day[day] for day in sorted(by_day)]


register_event(
    "wallet.points_expiring",
    template="wallet_points_expiring",
    link=lambda ctx: reverse("wallet:home"),
)

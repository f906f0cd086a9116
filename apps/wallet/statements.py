"""Monthly statements as PDF for residents and merchants (part of the wallet app's public interface).

A statement is a document of the documents app (rendered by a Celery task, owner-only download). Its
params only name the month, the role and the account; the renderer reads the account of the document's
owner and refuses params that point anywhere else, so nobody gets another person's statement.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.documents.registry import register_renderer
from apps.documents.services import document_request

from . import merchants  # noqa: F401 - registers the merchant notification events at start-up
from .constants import AccountKind, TransactionKind
from .expiry import expiring_summary
from .models import Account, Entry, Merchant
from .selectors import transaction_counterparties
from .services import WalletError, merchant_account, resident_account

KIND = "wallet.statement"
ROLE_RESIDENT, ROLE_MERCHANT = "resident", "merchant"
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
EXPIRING_ROWS = 12


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the local month and of the next one."""
    match = MONTH_PATTERN.match(month or "")
    if not match:
        raise WalletError(gettext("対象の月を正しく指定してください。"), code="invalid_month")
    year, number = int(match.group(1)), int(match.group(2))
    start = dt.datetime(year, number, 1)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return timezone.make_aware(start, tz), timezone.make_aware(end, tz)


def statement_request(*, user, month: str, merchant: Merchant | None = None):
    """Queue the statement of `month` ("YYYY-MM") for the user's wallet, or for their shop."""
    month_bounds(month)
    if merchant is not None:
        if merchant.owner_id != user.pk:
            raise WalletError(gettext("加盟店が見つかりません。"), code="unknown_merchant", status=404)
        account, role = merchant_account(merchant=merchant), ROLE_MERCHANT
    else:
        account, role = resident_account(user=user), ROLE_RESIDENT
    return document_request(
        owner=user, kind=KIND, params={"month": month, "role": role, "account": account.pk}
    )


def _account_of_owner(document) -> tuple[Account, Merchant | None]:
    """The account the statement is about, found from the document's owner (params are only a hint)."""
    params = document.params
    if params.get("role") == ROLE_MERCHANT:
        merchant = Merchant.objects.filter(owner=document.owner, account__pk=params.get("account")).first()
        if merchant is None:
            raise PermissionError("not the owner's shop")
        return merchant.account, merchant
    account = Account.objects.filter(owner=document.owner, kind=AccountKind.RESIDENT).first()
    if account is None or account.pk != params.get("account"):
        raise PermissionError("not the owner's wallet")
    return account, None


def statement_context(document) -> dict:
    account, merchant = _account_of_owner(document)
    month = document.params["month"]
    start, end = month_bounds(month)
    opening = (
        Entry.objects.filter(account=account, created_at__lt=start).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    entries = list(
        Entry.objects.filter(account=account, created_at__gte=start, created_at__lt=end)
        .select_related("transaction")
        .order_by("created_at", "id")
    )
    counterparty = transaction_counterparties(entries=entries, account=account)
    rows, balance = [], opening
    totals: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for e in entries:
        balance += e.amount
        kind = e.transaction.kind
        totals[kind] += e.amount
        counts[kind] += 1
        rows.append(
            {
                "at": timezone.localtime(e.created_at),
                "kind": TransactionKind(kind).label,
                "counterparty": counterparty.get(e.transaction_id, ""),
                "amount": e.amount,
                "balance": balance,
            }
        )
    summary = [
        {"kind": TransactionKind(kind).label, "count": counts[kind], "total": totals[kind]}
        for kind in TransactionKind.values
        if counts[kind]
    ]
    year, number = month.split("-")
    context = {
        "role": ROLE_MERCHANT if merchant else ROLE_RESIDENT,
        "merchant": merchant,
        "month_label": gettext("%(year)s年%(month)s月") % {"year": int(year), "month": int(number)},
        "period_end": end - dt.timedelta(days=1),
        "opening": opening,
        "closing": balance,
        "rows": rows,
        "summary": summary,
    }
    if merchant is None:
        now = document.claimed_at or timezone.now()
        context["expiring"] = expiring_summary(account_id=account.pk, now=now)[:EXPIRING_ROWS]
    return context


def statement_filename(document) -> str:
    month = str(document.params.get("month", ""))
    prefix = (
        gettext("加盟店の取引明細")
        if document.params.get("role") == ROLE_MERCHANT
        else gettext("ポイント利用明細")
    )
    return f"{prefix}_{month}.pdf"


register_renderer(
    KIND,
    template="pdf/wallet_statement.html",
    context=statement_context,
    filename=statement_filename,
    title=_("デジタル財布の明細書"),
    # A shop's statement (its customers' payments) opens only with the second factor, as /merchant/ does.
    second_factor=lambda document: document.params.get("role") == ROLE_MERCHANT,
)

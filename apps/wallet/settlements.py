"""Settlement: the city pays merchants what they received (part of the wallet app's public interface).

A run moves each merchant's whole balance to the settlement account in one transaction and records a
`Settlement`; the city's finance system pays from the CSV export. One settlement per merchant and run
date (the idempotency key `settlement:<merchant>:<date>`), so running it again the same day, or twice at
once, settles nothing more. Payments arriving meanwhile wait on the lock of the merchant's account row and
land on top of the settled balance: the amount settled is the balance read under that lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.textfiles import excel_csv

from .constants import AccountKind, TransactionKind
from .merchants import has_bank_details
from .models import Account, Merchant, Settlement, Transaction
from .services import ledger_post, request_hash, system_account

logger = logging.getLogger(__name__)

CSV_COLUMNS = (
    "settlement_id",
    "date",
    "merchant_code",
    "merchant_name",
    "bank_code",
    "branch_code",
    "account_type",
    "account_number",
    "account_holder",
    "amount",
)


@dataclass
class SettlementRun:
    settled: list[Settlement] = field(default_factory=list)
    already: list[Merchant] = field(default_factory=list)  # settled earlier on the same date
    no_bank_details: list[Merchant] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(s.amount for s in self.settled)


def _key(merchant: Merchant, run_date: dt.date) -> str:
    return f"settlement:{merchant.code}:{run_date.isoformat()}"


def _settle_one(*, merchant: Merchant, operator, run_date: dt.date) -> Settlement | None:
    key = _key(merchant, run_date)
    with transaction.atomic():
        # The lock serialises us with payments and refunds of this shop: the balance cannot move until
        # the settlement is committed, so exactly the balance read here is settled.
        account = Account.objects.select_for_update().get(merchant=merchant)
        amount = account.balance
        if amount <= 0 or Transaction.objects.filter(idempotency_key=key).exists():
            return None
        tx = ledger_post(
            kind=TransactionKind.SETTLEMENT,
            legs=[(account, -amount), (system_account(AccountKind.SETTLEMENT), amount)],
            key=key,
            fingerprint=request_hash("settlement", merchant.pk, run_date.isoformat(), amount),
        )
        return Settlement.objects.create(
            merchant=merchant, amount=amount, transaction=tx, created_by=operator
        )


def settlement_run(*, operator=None, run_date: dt.date | None = None) -> SettlementRun:
    """Settle every merchant with a positive balance and bank details (inactive shops are paid too)."""
    run_date = run_date or timezone.localdate()
    result = SettlementRun()
    for merchant in Merchant.objects.filter(account__balance__gt=0).order_by("code"):
        if not has_bank_details(merchant):
            result.no_bank_details.append(merchant)
            continue
        try:
            settlement = _settle_one(merchant=merchant, operator=operator, run_date=run_date)
        except IntegrityError:
            settlement = None  # a concurrent run committed the same key first
        if settlement is not None:
            result.settled.append(settlement)
            logger.info("merchant settled pk=%s settlement=%s", merchant.pk, settlement.pk)
        elif Transaction.objects.filter(idempotency_key=_key(merchant, run_date)).exists():
            result.already.append(merchant)
    return result


def settlement_csv(*, settlements) -> bytes:
    """The settlements as CSV for the city's payments (Excel in Japan: core.textfiles.excel_csv)."""
    return excel_csv(
        CSV_COLUMNS,
        (
            [
                s.pk,
                timezone.localtime(s.created_at).date().isoformat(),
                s.merchant.code,
                s.merchant.name,
                s.merchant.bank_code,
                s.merchant.branch_code,
                s.merchant.get_account_type_display() if s.merchant.account_type else "",
                s.merchant.account_number,
                s.merchant.account_holder,
                s.amount,
            ]
            for s in settlements
        ),
    )

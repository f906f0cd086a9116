"""The wallet ledger: the wallet app's public interface for every movement of points (SPEC §3.4).

Money rules (STYLE.md): integer points; entries append-only; every transaction sums to zero; balances of
residents and merchants can never go negative — guarded by the database (CHECK constraint on the cached
balance, updated with `balance = balance + amount` in the same transaction), never checked in Python first.
Every write takes an idempotency key, unique in the database: a retry returns the stored result, the same
key with other parameters is refused. A key a client sends is stored as `client_key()` makes it: scoped by
its owner and hashed, under a prefix no key the server makes can have, so that a client can neither take a
key the server will use for its own work nor learn (by a 409) that another person used a key.

On PostgreSQL a payment (the hot path, SPEC §5) is one call of the `wallet_pay()` function of migration 0005,
which writes what `ledger_post` writes; SQLite, the embedded default, takes the Python path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.core.mynumber import contains_my_number

from .constants import HOLDER_KINDS, MAX_PAYMENT, POINT_VALIDITY_DAYS, AccountKind, LotSource, TransactionKind
from .models import Account, Entry, Lot, LotUse, Merchant, Transaction


class WalletError(ApplicationError):
    code = "wallet_error"


@dataclass
class PaymentResult:
    transaction: Transaction
    amount: int
    merchant: Merchant
    balance: int
    replayed: bool = False


def system_account(kind: str) -> Account:
    account, _created = Account.objects.get_or_create(system_code=kind, defaults={"kind": kind})
    return account


def resident_account(*, user) -> Account:
    account, _created = Account.objects.get_or_create(owner=user, defaults={"kind": AccountKind.RESIDENT})
    return account


def merchant_account(*, merchant: Merchant) -> Account:
    account, _created = Account.objects.get_or_create(
        merchant=merchant, defaults={"kind": AccountKind.MERCHANT}
    )
    return account


def request_hash(*parts) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


@dataclass(frozen=True)
class NewLot:
    """How a credit to a resident is kept: until when it can be spent, and where it came from."""

    expires_at: dt.datetime
    source: str = LotSource.AWARD


def _lots_take(*, tx: Transaction, account: Account, amount: int, now: dt.datetime) -> None:
    """Take `amount` from the account's open lots, those closest to expiry first.

    Called after the account row was locked by its balance update, so lots of one account are consumed by
    one transaction at a time. Lots past their expiry are not spent even if the beat job has not swept them.
    """
    uses, left = [], amount
    for lot in (
        Lot.objects.filter(account=account, remaining__gt=0, expires_at__gt=now)
        .order_by("expires_at", "id")
        .only("id", "remaining")
        .iterator(chunk_size=50)
    ):
        take = min(left, lot.remaining)
        uses.append(LotUse(transaction=tx, lot_id=lot.pk, amount=take))
        left -= take
        if left == 0:
            break
    if left:
        # The balance covered it only with points past their expiry.
        raise WalletError(_("残高が足りません。"), code="insufficient_funds", status=409)
    for use in uses:
        Lot.objects.filter(pk=use.lot_id).update(remaining=F("remaining") - use.amount)
    LotUse.objects.bulk_create(uses)


def _lots_restore(*, tx: Transaction, account: Account, amount: int, original: Transaction) -> None:
    """Give a refund back to the lots the original debit took, latest expiry first (kind to the resident)."""
    net: dict[int, int] = {}
    for lot_id, value in LotUse.objects.filter(
        Q(transaction=original) | Q(transaction__refund_of=original), lot__account=account
    ).values_list("lot_id", "amount"):
        net[lot_id] = net.get(lot_id, 0) + value
    lots = Lot.objects.filter(pk__in=[k for k, v in net.items() if v > 0]).order_by("-expires_at", "-id")
    uses, left = [], amount
    for lot in lots:
        give = min(left, net[lot.pk])
        uses.append(LotUse(transaction=tx, lot_id=lot.pk, amount=-give))
        left -= give
        if left == 0:
            break
    if left:
        raise WalletError(_("返金額が元の支払いを超えています。"), code="refund_exceeds_payment")
    for use in uses:
        Lot.objects.filter(pk=use.lot_id).update(remaining=F("remaining") - use.amount)
    LotUse.objects.bulk_create(uses)


def ledger_post(
    *,
    kind: str,
    legs: list[tuple[Account, int]],
    key: str | None,
    fingerprint: str = "",
    reverses=None,
    refund_of=None,
    new_lot: NewLot | None = None,
    lot_uses: list[tuple[int, int]] | None = None,
) -> Transaction:
    """Write one balanced transaction, move the cached balances and the resident's lots, all or nothing.

    A resident's debit takes from its lots (closest expiry first); a refund gives back to the lots of the
    refunded payment; any other credit to a resident opens a lot described by `new_lot`. `lot_uses`
    ((lot id, amount), ...) names the lots a debit takes instead (the expiry sweep takes expired lots).
    """
    if sum(amount for _account, amount in legs) != 0:
        raise WalletError("unbalanced transaction", code="unbalanced")
    with transaction.atomic():
        tx = Transaction.objects.create(
            kind=kind, idempotency_key=key, request_hash=fingerprint, reverses=reverses, refund_of=refund_of
        )
        Entry.objects.bulk_create(
            [Entry(transaction=tx, account=account, amount=amount) for account, amount in legs]
        )
        # One lock order everywhere (also in the `wallet_pay` function): residents first, then the others by
        # primary key, so two transfers never wait in a cycle, and a busy merchant or system account is
        # locked last and held for the shortest time.
        for account, amount in sorted(legs, key=_lock_order):
            Account.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
        for account, amount in legs:
            if account.kind != AccountKind.RESIDENT:
                continue
            if amount < 0 and lot_uses is not None:
                if sum(value for _lot, value in lot_uses) != -amount:
                    raise WalletError("lot uses do not match the debit", code="unbalanced")
                for lot_id, value in lot_uses:
                    # The CHECK on `remaining` refuses taking more than is left.
                    Lot.objects.filter(pk=lot_id, account=account).update(remaining=F("remaining") - value)
                LotUse.objects.bulk_create(
                    [LotUse(transaction=tx, lot_id=lot_id, amount=value) for lot_id, value in lot_uses]
                )
            elif amount < 0:
                _lots_take(tx=tx, account=account, amount=-amount, now=tx.created_at)
            elif refund_of is not None:
                _lots_restore(tx=tx, account=account, amount=amount, original=refund_of)
            else:
                if new_lot is None:
                    raise WalletError("a credit to a resident needs its expiry", code="lot_missing")
                Lot.objects.create(
                    account=account,
                    transaction=tx,
                    source=new_lot.source,
                    amount=amount,
                    remaining=amount,
                    expires_at=new_lot.expires_at,
                )
    return tx


def _lock_order(leg: tuple[Account, int]) -> tuple[bool, int]:
    return (leg[0].kind != AccountKind.RESIDENT, leg[0].pk)


def _replay(key: str, fingerprint: str) -> Transaction | None:
    existing = Transaction.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_hash != fingerprint:
        raise _idempotency_conflict()
    return existing


def _amount(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WalletError(_("金額は整数で指定してください。"), code="invalid_amount")
    if value <= 0 or value > MAX_PAYMENT:
        raise WalletError(
            _("金額は1以上%(max)s以下で指定してください。") % {"max": f"{MAX_PAYMENT:,}"},
            code="invalid_amount",
        )
    return value


CLIENT_KEY_PREFIX = "c:"


def client_key(value, *, owner: str) -> str:
    """The stored form of a client's idempotency key (8 to 100 characters), or a WalletError.

    `owner` names who sent it ("resident:<pk>", "merchant:<pk>"): the same key sent by two owners is two
    keys, and neither can collide with a key of the server's (those never start with the prefix).
    """
    if not isinstance(value, str) or not (8 <= len(value) <= 100):
        raise WalletError(_("冪等キー（8〜100文字）を指定してください。"), code="invalid_idempotency_key")
    if contains_my_number(value):  # a key a client chooses is a person's text too; a UUID is not a number
        raise WalletError(_("冪等キーに個人番号は使えません。"), code="my_number_refused")
    digest = hashlib.sha256(f"{owner}\x00{value}".encode()).hexdigest()
    return CLIENT_KEY_PREFIX + digest


def resident_key(value, *, user) -> str:
    return client_key(value, owner=f"resident:{user.pk}")


def server_key(value: str) -> str:
    """A key the server makes for its own work: never in the clients' namespace."""
    if not isinstance(value, str) or not (1 <= len(value) <= 100) or value.startswith(CLIENT_KEY_PREFIX):
        raise WalletError("invalid server idempotency key", code="invalid_idempotency_key")
    return value


def lot_expiry(*, days: int, now: dt.datetime | None = None) -> dt.datetime:
    """Valid to the end of the local day `days` days from now (the sweep runs just after midnight)."""
    local = timezone.localtime(now or timezone.now()) + dt.timedelta(days=days)
    return local.replace(hour=23, minute=59, second=59, microsecond=999999)


def points_award(
    *,
    user,
    amount: int,
    idempotency_key: str,
    reason: str = "award",
    expires_at: dt.datetime | None = None,
) -> Transaction:
    """Give points from the city's issuance account (the campaigns call this), valid until `expires_at`."""
    amount, key = _amount(amount), server_key(idempotency_key)
    fingerprint = request_hash("award", user.pk, amount, reason)
    try:
        with transaction.atomic():
            account = resident_account(user=user)
            return ledger_post(
                kind=TransactionKind.AWARD,
                legs=[(system_account(AccountKind.ISSUANCE), -amount), (account, amount)],
                key=key,
                fingerprint=fingerprint,
                new_lot=NewLot(expires_at or lot_expiry(days=POINT_VALIDITY_DAYS)),
            )
    except IntegrityError:
        replay = _replay(key, fingerprint)
        if replay is None:
            raise
        return replay


def payment_create(*, user, merchant_code: str, amount, idempotency_key) -> PaymentResult:
    """Pay a merchant from the resident's balance; a retry with the same key returns the first result."""
    amount, key = _amount(amount), resident_key(idempotency_key, user=user)
    code = str(merchant_code)[:50]
    fingerprint = request_hash("payment", user.pk, code, amount)
    if connection.vendor == "postgresql":
        return _payment_in_postgres(user=user, code=code, amount=amount, key=key, fingerprint=fingerprint)
    merchant = Merchant.objects.filter(code=code, active=True).first()
    if merchant is None:
        raise _unknown_merchant()
    replay = _replay(key, fingerprint)
    if replay is not None:
        return PaymentResult(replay, amount, merchant, resident_account(user=user).balance, replayed=True)
    payer = resident_account(user=user)
    payee = merchant_account(merchant=merchant)
    try:
        with transaction.atomic():
            tx = ledger_post(
                kind=TransactionKind.PAYMENT,
                legs=[(payer, -amount), (payee, amount)],
                key=key,
                fingerprint=fingerprint,
            )
    except IntegrityError as exc:
        replay = _replay(key, fingerprint)  # a concurrent request with the same key won the race
        if replay is not None:
            return PaymentResult(
                replay, amount, merchant, Account.objects.get(pk=payer.pk).balance, replayed=True
            )
        if "holder_balance_not_negative" in str(exc):
            raise _insufficient_funds() from None
        raise
    return PaymentResult(tx, amount, merchant, Account.objects.get(pk=payer.pk).balance)


_PAY = (
    "SELECT status, merchant_id, balance, tx_id, tx_hash, tx_created_at"
    " FROM wallet_pay(%s, %s, %s, %s, %s, %s, %s)"
)


def _payment_in_postgres(*, user, code: str, amount: int, key: str, fingerprint: str) -> PaymentResult:
    """The payment `ledger_post` would write, in one round trip: `wallet_pay()` (migration 0005).

    Outside a transaction the statement commits by itself (no BEGIN and COMMIT round trips); a key that is
    taken is looked up only then, by the function, instead of before every payment.
    """
    tx_id, now = uuid.uuid4(), timezone.now()
    for _attempt in range(2):
        try:
            # Inside an outer transaction a refusal must not break it: a savepoint. Outside, none is needed.
            savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
            with savepoint, connection.cursor() as cursor:
                cursor.execute(_PAY, [tx_id, key, fingerprint, user.pk, code, amount, now])
                status, merchant_id, balance, found_id, found_hash, created_at = cursor.fetchone()
        except IntegrityError as exc:
            message = str(exc)
            if "holder_balance_not_negative" in message or "wallet_lots_insufficient" in message:
                raise _insufficient_funds() from None
            if "wallet_account_missing" not in message:
                raise
            status, merchant_id = "no_account", Merchant.objects.get(code=code).pk
        if status == "unknown_merchant":
            raise _unknown_merchant()
        if status != "no_account":
            break
        # First payment of this resident or to this merchant: open the accounts, then pay.
        resident_account(user=user)
        merchant_account(merchant=Merchant.objects.get(pk=merchant_id))
    else:
        raise WalletError("accounts could not be opened", code="account_missing")
    if status == "replay" and found_hash != fingerprint:
        raise _idempotency_conflict()
    tx = Transaction.from_db(
        connection.alias,
        ["id", "kind", "idempotency_key", "request_hash", "created_at"],
        [found_id, TransactionKind.PAYMENT, key, found_hash, created_at],
    )
    # Only the code is read here; the other fields of the merchant load if someone asks for them.
    merchant = Merchant.from_db(connection.alias, ["id", "code"], [merchant_id, code])
    return PaymentResult(tx, amount, merchant, balance or 0, replayed=status == "replay")


def _unknown_merchant() -> WalletError:
    return WalletError(_("加盟店が見つかりません。"), code="unknown_merchant", status=404)


def _insufficient_funds() -> WalletError:
    return WalletError(_("残高が足りません。"), code="insufficient_funds", status=409)


def _idempotency_conflict() -> WalletError:
    return WalletError(_("この冪等キーは別の内容で使われています。"), code="idempotency_conflict", status=409)


def payment_refund(*, merchant: Merchant, payment_id, amount, idempotency_key) -> Transaction:
    """The merchant gives back up to what is left of a payment to the resident who paid."""
    amount, key = _amount(amount), client_key(idempotency_key, owner=f"merchant:{merchant.pk}")
    fingerprint = request_hash("refund", merchant.pk, payment_id, amount)
    replay = _replay(key, fingerprint)
    if replay is not None:
        return replay
    try:
        with transaction.atomic():
            # Lock the payment: concurrent refunds of it are counted one after the other.
            payment = (
                Transaction.objects.select_for_update()
                .filter(pk=payment_id, kind=TransactionKind.PAYMENT, entries__account__merchant=merchant)
                .first()
            )
            if payment is None:
                raise WalletError(_("支払いが見つかりません。"), code="unknown_payment", status=404)
            shop = merchant_account(merchant=merchant)
            legs = {e.account_id: e.amount for e in payment.entries.all()}
            payer = Account.objects.get(pk=next(account for account, value in legs.items() if value < 0))
            already = -(
                Entry.objects.filter(transaction__refund_of=payment, account=shop).aggregate(
                    total=Sum("amount")
                )["total"]
                or 0
            )
            if already + amount > legs[shop.pk]:
                raise WalletError(_("返金額が元の支払いを超えています。"), code="refund_exceeds_payment")
            return ledger_post(
                kind=TransactionKind.REFUND,
                legs=[(shop, -amount), (payer, amount)],
                key=key,
                fingerprint=fingerprint,
                refund_of=payment,
            )
    except IntegrityError as exc:
        replay = _replay(key, fingerprint)
        if replay is not None:
            return replay
        if "holder_balance_not_negative" in str(exc):
            raise WalletError(
                _("加盟店の残高が足りません。"), code="insufficient_funds", status=409
            ) from None
        raise


def wallet_reconcile() -> list[str]:
    """Everything that does not add up: cached balances, unbalanced transactions, negative holders."""
    problems = []
    sums = dict(Entry.objects.values("account").annotate(total=Sum("amount")).values_list("account", "total"))
    for account in Account.objects.all():
        if account.balance != (sums.get(account.pk) or 0):
            problems.append(
                f"account #{account.pk}: cached {account.balance} != entries {sums.get(account.pk) or 0}"
            )
        if account.kind in HOLDER_KINDS and account.balance < 0:
            problems.append(f"account #{account.pk}: negative balance")
    lots = dict(
        Lot.objects.values("account").annotate(total=Sum("remaining")).values_list("account", "total")
    )
    for account in Account.objects.filter(kind=AccountKind.RESIDENT):
        if account.balance != (lots.get(account.pk) or 0):
            problems.append(
                f"account #{account.pk}: balance {account.balance} != open lots {lots.get(account.pk) or 0}"
            )
    unbalanced = Entry.objects.values("transaction").annotate(total=Sum("amount")).exclude(total=0)
    problems.extend(f"transaction {row['transaction']}: sums to {row['total']}" for row in unbalanced)
    total = Entry.objects.aggregate(total=Sum("amount"))["total"] or 0
    if total != 0:
        problems.append(f"ledger total {total} != 0")
    return problems

"""Concurrency on PostgreSQL with real concurrent clients (threads, each with its own connection)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, InternalError, connection, connections, transaction

from apps.wallet import services
from apps.wallet.constants import TransactionKind
from apps.wallet.models import Account, Entry, Lot, LotUse, Merchant, Transaction
from apps.wallet.services import WalletError, lot_expiry
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(n: int, fn, workers: int = 40) -> list:
    barrier = threading.Barrier(min(n, workers))

    def task(i):
        try:
            if i < workers:
                barrier.wait(timeout=30)
            return fn(i)
        except WalletError as exc:
            return exc.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(task, range(n)))


@pytest.fixture
def shop(postgres):
    merchant = Merchant.objects.create(code="demo-udon", name="Demo Udon", owner=UserFactory())
    services.merchant_account(merchant=merchant)
    return merchant


def ledger_total() -> int:
    return sum(Entry.objects.values_list("amount", flat=True))


def test_200_payments_at_once_from_a_balance_that_covers_10(shop):
    user = UserFactory()
    for n, (amount, days) in enumerate(((30, 90), (30, 10), (40, 200))):  # three lots: lots == balances after
        services.points_award(
            user=user, amount=amount, idempotency_key=f"award-conc-1{n}", expires_at=lot_expiry(days=days)
        )
    results = run_at_once(
        200,
        lambda i: services.payment_create(
            user=user, merchant_code="demo-udon", amount=10, idempotency_key=f"pay-conc-{i:04d}"
        ),
    )
    succeeded = [r for r in results if not isinstance(r, str)]
    assert len(succeeded) == 10
    assert set(r for r in results if isinstance(r, str)) == {"insufficient_funds"}
    assert Account.objects.get(owner=user).balance == 0
    assert Account.objects.get(merchant=shop).balance == 100
    assert services.wallet_reconcile() == [] and ledger_total() == 0


def test_one_idempotency_key_sent_50_times_at_once_has_one_effect(shop):
    user = UserFactory()
    services.points_award(user=user, amount=1000, idempotency_key="award-conc-2")
    results = run_at_once(
        50,
        lambda i: services.payment_create(
            user=user, merchant_code="demo-udon", amount=70, idempotency_key="same-key-0001"
        ),
    )
    assert all(not isinstance(r, str) for r in results), results
    assert len({r.transaction.pk for r in results}) == 1
    assert Transaction.objects.filter(kind="payment").count() == 1
    assert Account.objects.get(owner=user).balance == 930
    with pytest.raises(WalletError) as err:
        services.payment_create(
            user=user, merchant_code="demo-udon", amount=71, idempotency_key="same-key-0001"
        )
    assert err.value.status == 409
    assert services.wallet_reconcile() == []


def test_the_database_refuses_an_unbalanced_transaction_and_edits_of_entries(shop):
    user = UserFactory()
    tx = services.points_award(user=user, amount=10, idempotency_key="award-conc-3")
    account = Account.objects.get(owner=user)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        bad = Transaction.objects.create(kind="award", idempotency_key="unbalanced-01")
        Entry.objects.create(transaction=bad, account=account, amount=5)
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Entry.objects.filter(transaction=tx).update(amount=1)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Entry.objects.filter(transaction=tx).delete()
    assert services.wallet_reconcile() == []


def test_the_database_refuses_a_negative_resident_balance(shop):
    user = UserFactory()
    services.points_award(user=user, amount=10, idempotency_key="award-conc-4")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(owner=user).update(balance=-1)


def test_concurrent_refunds_never_exceed_the_original_payment(shop):
    user = UserFactory()
    services.points_award(user=user, amount=100, idempotency_key="award-conc-5")
    payment = services.payment_create(
        user=user, merchant_code="demo-udon", amount=100, idempotency_key="pay-conc-r1"
    )
    results = run_at_once(
        30,
        lambda i: services.payment_refund(
            merchant=shop,
            payment_id=payment.transaction.pk,
            amount=10,
            idempotency_key=f"refund-conc-{i:03d}",
        ),
        workers=30,
    )
    assert len([r for r in results if not isinstance(r, str)]) == 10
    assert set(r for r in results if isinstance(r, str)) == {"refund_exceeds_payment"}
    assert Account.objects.get(owner=user).balance == 100 and Account.objects.get(merchant=shop).balance == 0
    assert services.wallet_reconcile() == [] and ledger_total() == 0


def test_payments_and_refunds_between_the_same_accounts_at_once_neither_deadlock_nor_lose_points(shop):
    users = [UserFactory() for _ in range(4)]
    paid = []
    for n, user in enumerate(users):
        services.points_award(user=user, amount=1000, idempotency_key=f"award-mix-{n}")
        paid.append(
            services.payment_create(
                user=user, merchant_code="demo-udon", amount=100, idempotency_key=f"pay-mix-first-{n}"
            )
        )

    def pay_or_refund(i):
        n = i % len(users)
        if i % 2:
            return services.payment_refund(
                merchant=shop, payment_id=paid[n].transaction.pk, amount=1, idempotency_key=f"ref-mix-{i:04d}"
            )
        return services.payment_create(
            user=users[n], merchant_code="demo-udon", amount=3, idempotency_key=f"pay-mix-{i:04d}"
        )

    results = run_at_once(160, pay_or_refund)
    assert all(not isinstance(r, str) for r in results), {r for r in results if isinstance(r, str)}
    assert Account.objects.get(merchant=shop).balance == 4 * 100 + 80 * 3 - 80 * 1
    assert services.wallet_reconcile() == [] and ledger_total() == 0


def test_the_one_round_trip_payment_writes_what_the_python_ledger_writes(shop):
    fast, slow = UserFactory(), UserFactory()
    for user in (fast, slow):
        for days in (10, 20):
            services.points_award(
                user=user,
                amount=50,
                idempotency_key=f"award-same-{user.pk}-{days}",
                expires_at=lot_expiry(days=days),
            )
    fast_key = services.payment_create(
        user=fast, merchant_code="demo-udon", amount=70, idempotency_key="pay-same-fast"
    ).transaction.idempotency_key
    shop_account = Account.objects.get(merchant=shop)
    services.ledger_post(
        kind=TransactionKind.PAYMENT,
        legs=[(Account.objects.get(owner=slow), -70), (shop_account, 70)],
        key="pay-same-slow",
        fingerprint=services.request_hash("payment", slow.pk, shop.code, 70),
    )

    def written(user, key):
        tx = Transaction.objects.get(idempotency_key=key)
        entries = sorted(
            (e.account.owner_id == user.pk, e.amount) for e in tx.entries.select_related("account")
        )
        uses = sorted(LotUse.objects.filter(transaction=tx).values_list("amount", flat=True))
        lots = list(
            Lot.objects.filter(account__owner=user).order_by("expires_at").values_list("remaining", flat=True)
        )
        return (
            tx.kind,
            tx.request_hash == services.request_hash("payment", user.pk, "demo-udon", 70),
            entries,
            uses,
            lots,
        )

    assert written(fast, fast_key) == written(slow, "pay-same-slow")
    assert written(fast, fast_key) == ("payment", True, [(False, 70), (True, -70)], [20, 50], [0, 30])
    assert services.wallet_reconcile() == []

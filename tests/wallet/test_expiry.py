"""Expiry of points: oldest first, the nightly sweep, reminders 30 days before, the API's `expiring`."""

import datetime as dt

import pytest
from django.db import connections
from django.utils import timezone

from apps.notifications.models import Notification
from apps.wallet import expiry, selectors, services, tasks
from apps.wallet.constants import AccountKind, TransactionKind
from apps.wallet.models import Account, Lot, LotUse, Merchant, Transaction
from tests.identity.factories import UserFactory

from .test_concurrency import run_at_once

pytestmark = pytest.mark.django_db


def days(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=n)


@pytest.fixture
def shop(db):
    merchant = Merchant.objects.create(code="demo-udon", name="Demo Udon", owner=UserFactory())
    services.merchant_account(merchant=merchant)
    return merchant


def award(user, amount, *, expires_at, key):
    return services.points_award(user=user, amount=amount, idempotency_key=key, expires_at=expires_at)


def expiry_balance() -> int:
    account = Account.objects.filter(system_code=AccountKind.EXPIRY).first()
    return account.balance if account else 0


def test_a_payment_spends_the_lot_closest_to_expiry_first(shop):
    user = UserFactory()
    award(user, 500, expires_at=days(200), key="award-late-1")
    award(user, 300, expires_at=days(10), key="award-soon-1")
    award(user, 200, expires_at=days(100), key="award-middle")
    services.payment_create(user=user, merchant_code="demo-udon", amount=400, idempotency_key="pay-oldest-1")
    remaining = dict(Lot.objects.values_list("amount", "remaining"))
    assert remaining == {300: 0, 200: 100, 500: 500}
    assert services.wallet_reconcile() == []


def test_the_sweep_moves_exactly_what_is_left_of_expired_lots_and_running_it_again_changes_nothing(shop):
    user, other = UserFactory(), UserFactory()
    soon = award(user, 300, expires_at=days(1), key="award-soon-2")
    award(user, 500, expires_at=days(200), key="award-late-2")
    award(other, 70, expires_at=days(2), key="award-other-2")
    services.payment_create(user=user, merchant_code="demo-udon", amount=120, idempotency_key="pay-part-2")

    assert expiry.points_expire(now=days(0.5)) == 0  # nothing has expired yet
    later = days(3)
    assert expiry.points_expire(now=later) == 180 + 70
    assert Account.objects.get(owner=user).balance == 500
    assert Account.objects.get(owner=other).balance == 0
    assert expiry_balance() == 250
    assert Lot.objects.get(transaction=soon).remaining == 0
    sweeps = Transaction.objects.filter(kind=TransactionKind.EXPIRY)
    assert sweeps.count() == 2  # one per resident
    assert sorted(LotUse.objects.filter(transaction__in=sweeps).values_list("amount", flat=True)) == [70, 180]
    assert services.wallet_reconcile() == []

    assert expiry.points_expire(now=later) == 0
    assert sweeps.count() == 2 and expiry_balance() == 250
    assert services.wallet_reconcile() == []


def test_expired_points_cannot_be_spent_before_the_sweep(shop):
    user = UserFactory()
    lot = award(user, 100, expires_at=days(1), key="award-stale-3")
    Lot.objects.filter(transaction=lot).update(expires_at=days(-1))
    with pytest.raises(services.WalletError) as err:
        services.payment_create(
            user=user, merchant_code="demo-udon", amount=50, idempotency_key="pay-stale-3"
        )
    assert err.value.code == "insufficient_funds"
    assert expiry.points_expire() == 100
    assert services.wallet_reconcile() == []


def test_the_beat_task_expires_and_runs_twice_with_one_effect(shop):
    user = UserFactory()
    lot = award(user, 40, expires_at=days(1), key="award-task-4")
    Lot.objects.filter(transaction=lot).update(expires_at=days(-0.01))
    assert tasks.points_expire.delay().get() == 40
    assert tasks.points_expire.delay().get() == 0
    assert Transaction.objects.filter(kind=TransactionKind.EXPIRY).count() == 1
    assert services.wallet_reconcile() == []


def test_the_sweep_works_in_batches_over_many_residents(shop):
    users = [UserFactory() for _ in range(7)]
    for i, user in enumerate(users):
        award(user, 10 + i, expires_at=days(1), key=f"award-batch-{i}")
    assert expiry.points_expire(now=days(2), batch_size=3) == sum(10 + i for i in range(7))
    assert Lot.objects.filter(remaining__gt=0).count() == 0
    assert services.wallet_reconcile() == []


def test_reminders_go_once_to_each_resident_with_points_expiring_within_30_days(shop):
    soon, later, nothing = UserFactory(), UserFactory(), UserFactory()
    award(soon, 300, expires_at=days(10), key="award-rem-1")
    award(soon, 200, expires_at=days(20), key="award-rem-2")
    award(later, 900, expires_at=days(45), key="award-rem-3")
    award(nothing, 5, expires_at=days(10), key="award-rem-4")
    services.payment_create(user=nothing, merchant_code="demo-udon", amount=5, idempotency_key="pay-rem-all")

    assert expiry.expiry_reminders_send() == 1
    notification = Notification.objects.get(event="wallet.points_expiring")
    assert notification.recipient == soon and notification.context["amount"] == 500
    assert expiry.expiry_reminders_send() == 0
    assert tasks.expiry_reminders.delay().get() == 0
    assert Notification.objects.filter(event="wallet.points_expiring").count() == 1
    assert set(Lot.objects.filter(reminded_at__isnull=False).values_list("amount", flat=True)) == {300, 200}

    # Two weeks on, the other resident's points come within 30 days: they are told, once.
    assert expiry.expiry_reminders_send(now=days(16)) == 1
    assert Notification.objects.get(event="wallet.points_expiring", recipient=later).context["amount"] == 900


def test_the_reminder_says_how_many_points_and_when_in_japanese(shop):
    from apps.notifications.services import message_render

    user = UserFactory()
    award(user, 1234, expires_at=days(5), key="award-text-1")
    expiry.expiry_reminders_send()
    message = message_render(Notification.objects.get(event="wallet.points_expiring"), language="ja")
    assert "ポイントの有効期限が近づいています" in message.subject
    assert "1234 ポイント" in message.text
    assert timezone.localdate(days(5)).isoformat() in message.text


def test_wallet_expiring_groups_points_per_day_within_30_days(shop):
    user = UserFactory()
    end_of_day = services.lot_expiry(days=10)
    award(user, 100, expires_at=end_of_day, key="award-grp-1")
    award(user, 50, expires_at=end_of_day - dt.timedelta(hours=1), key="award-grp-2")
    award(user, 70, expires_at=services.lot_expiry(days=25), key="award-grp-3")
    award(user, 999, expires_at=services.lot_expiry(days=60), key="award-grp-4")
    rows = selectors.wallet_expiring(user=user)
    assert [row["amount"] for row in rows] == [150, 70]
    assert rows[0]["expires_at"].date() == timezone.localtime(end_of_day).date()
    assert selectors.wallet_expiring(user=UserFactory()) == []


def test_the_api_and_the_wallet_page_show_the_points_about_to_expire(client, shop):
    user = UserFactory()
    award(user, 800, expires_at=services.lot_expiry(days=12), key="award-api-1")
    award(user, 300, expires_at=services.lot_expiry(days=300), key="award-api-2")
    client.force_login(user)
    body = client.get("/api/v1/wallet").json()
    assert body["balance"] == 1100
    assert len(body["expiring"]) == 1 and body["expiring"][0]["amount"] == 800
    expected_day = timezone.localtime(services.lot_expiry(days=12)).date().isoformat()
    assert body["expiring"][0]["expires_at"].startswith(expected_day)
    html = client.get("/wallet/").content.decode()
    assert "30日以内に有効期限が切れるポイント" in html and "800" in html
    client.force_login(UserFactory())
    assert client.get("/api/v1/wallet").json() == {"balance": 0, "expiring": []}


@pytest.mark.django_db(transaction=True)
def test_the_sweep_and_payments_at_once_never_spend_expired_points_or_expire_twice(postgres):
    merchant = Merchant.objects.create(code="conc-shop", name="Conc Shop", owner=UserFactory())
    services.merchant_account(merchant=merchant)
    user = UserFactory()
    lot = award(user, 100, expires_at=days(1), key="award-conc-x1")
    award(user, 100, expires_at=days(300), key="award-conc-x2")
    Lot.objects.filter(transaction=lot).update(expires_at=timezone.now())

    def act(i):
        if i % 4 == 0:
            return expiry.points_expire()
        return services.payment_create(
            user=user, merchant_code="conc-shop", amount=10, idempotency_key=f"pay-conc-x{i:03d}"
        )

    results = run_at_once(16, act, workers=16)
    connections.close_all()
    paid = sum(1 for r in results if isinstance(r, services.PaymentResult))
    assert sum(r for r in results if isinstance(r, int)) == 100  # the expired lot, once
    assert paid == 10  # only the valid lot paid
    assert Account.objects.get(owner=user).balance == 0
    assert expiry_balance() == 100
    assert services.wallet_reconcile() == []

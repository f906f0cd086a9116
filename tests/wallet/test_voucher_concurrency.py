"""Vouchers under concurrency on PostgreSQL: real concurrent clients (threads, each with its own connection)."""

import datetime as dt
import random
from collections import Counter

import pytest
from django.db.models import Sum
from django.utils import timezone

from apps.identity.models import User
from apps.wallet import vouchers
from apps.wallet.constants import AccountKind, SaleEligibility, SaleMode
from apps.wallet.models import Account, Transaction, VoucherHolding, VoucherReservation, VoucherSale
from apps.wallet.services import wallet_reconcile

from .test_concurrency import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)


def make_sale(*, stock: int, cap: int) -> VoucherSale:
    now = timezone.now()
    return VoucherSale.objects.create(
        code="rush",
        name="先着順の商品券",
        mode=SaleMode.FIRST_COME,
        eligibility=SaleEligibility.ANYONE,  # the buyers are plain accounts: the race is about stock
        price=5000,
        premium_rate=20,
        stock=stock,
        per_person_cap=cap,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=1),
        purchase_until=now + dt.timedelta(hours=2),
        valid_until=now + dt.timedelta(days=30),
    )


def make_users(n: int) -> list[User]:
    User.objects.bulk_create([User(email=f"buyer{i:04d}@example.jp") for i in range(n)])
    return list(User.objects.filter(email__startswith="buyer").order_by("email"))


def held_units_agree_with_reservations(sale: VoucherSale) -> None:
    live = ("pending", "paid")
    per_user = dict(
        VoucherReservation.objects.filter(sale=sale, status__in=live)
        .values("user")
        .annotate(total=Sum("units"))
        .values_list("user", "total")
    )
    for holding in VoucherHolding.objects.filter(sale=sale):
        assert holding.units <= holding.cap == sale.per_person_cap
        assert holding.units == per_user.get(holding.user_id, 0)
    total = VoucherReservation.objects.filter(sale=sale, status__in=live).aggregate(t=Sum("units"))["t"] or 0
    assert VoucherSale.objects.get(pk=sale.pk).reserved == total


def test_a_first_come_sale_of_100_to_500_concurrent_buyers_reserves_exactly_100(postgres):
    sale = make_sale(stock=100, cap=2)
    users = make_users(500)
    # 50 buyers first send three requests at once (2, 1 and 2 units: over their cap of 2 together); then
    # everyone tries 1 unit, and 50 resend that request with the same idempotency key.
    greedy = [(i, units, f"buy-{i:04d}-{n}") for i in range(50) for n, units in enumerate((2, 1, 2))]
    random.Random(6).shuffle(greedy)
    rest = [(i, 1, f"buy-{i:04d}-9") for i in range(500)] + [
        (i, 1, f"buy-{i:04d}-9") for i in range(400, 450)
    ]
    random.Random(7).shuffle(rest)
    attempts = greedy + rest

    results = run_at_once(
        len(attempts),
        lambda n: vouchers.voucher_reserve(
            user=users[attempts[n][0]], sale=sale, units=attempts[n][1], idempotency_key=attempts[n][2]
        ),
    )

    codes = Counter(r for r in results if isinstance(r, str))
    assert set(codes) == {"sold_out", "cap_reached"}, codes
    reservations = VoucherReservation.objects.filter(sale=sale)
    assert reservations.aggregate(t=Sum("units"))["t"] == 100
    assert VoucherSale.objects.get(pk=sale.pk).reserved == 100
    assert not VoucherHolding.objects.filter(units__gt=2).exists()
    held_units_agree_with_reservations(sale)
    by_key: dict[str, set] = {}
    for (_, _, key), result in zip(attempts, results, strict=True):
        by_key.setdefault(key, set()).add(result.pk if not isinstance(result, str) else result)
    assert all(len(outcomes) == 1 for outcomes in by_key.values())  # a resent key had one outcome

    # Pay them all, some confirmations sent twice at once: one credit each, and the ledger adds up.
    paid_ids = list(reservations.order_by("pk").values_list("pk", flat=True))
    ids = paid_ids + paid_ids[:30]
    run_at_once(len(ids), lambda n: vouchers.voucher_payment_confirm(reservation_id=ids[n]))
    assert Transaction.objects.filter(kind="voucher").count() == len(paid_ids)
    assert set(reservations.values_list("status", flat=True)) == {"paid"}
    assert Account.objects.filter(kind=AccountKind.RESIDENT).aggregate(t=Sum("balance"))["t"] == 100 * 6000
    assert Account.objects.get(system_code=AccountKind.ISSUANCE).balance == -100 * 5000
    assert wallet_reconcile() == []
    assert Account.objects.aggregate(t=Sum("balance"))["t"] == 0


def test_cancel_and_confirm_of_one_reservation_at_once_end_one_way(postgres):
    sale = make_sale(stock=40, cap=1)
    users = make_users(40)
    made = [
        vouchers.voucher_reserve(user=u, sale=sale, units=1, idempotency_key=f"race-{i:03d}")
        for i, u in enumerate(users)
    ]

    def cancel_or_confirm(n: int):
        reservation = made[n // 2]
        if n % 2:
            return vouchers.voucher_reservation_cancel(user=reservation.user, reservation_id=reservation.pk)
        return vouchers.voucher_payment_confirm(reservation_id=reservation.pk)

    results = run_at_once(80, cancel_or_confirm)
    assert set(r for r in results if isinstance(r, str)) <= {"not_pending"}
    statuses = Counter(VoucherReservation.objects.values_list("status", flat=True))
    # The payment arrived either way: paid if it came first, refund due if the cancellation did.
    assert statuses["paid"] + statuses["refund_due"] == 40
    assert Transaction.objects.filter(kind="voucher").count() == statuses["paid"]
    held_units_agree_with_reservations(sale)
    assert wallet_reconcile() == []


def test_the_expiry_sweep_run_four_times_at_once_releases_each_reservation_once(postgres):
    sale = make_sale(stock=60, cap=1)
    users = make_users(60)
    for i, u in enumerate(users):
        vouchers.voucher_reserve(user=u, sale=sale, units=1, idempotency_key=f"sweep-{i:03d}")
    VoucherReservation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    counts = run_at_once(4, lambda n: vouchers.voucher_reservations_expire(batch_size=7), workers=4)
    assert sum(counts) == 60
    assert set(VoucherReservation.objects.values_list("status", flat=True)) == {"expired"}
    assert VoucherSale.objects.get(pk=sale.pk).reserved == 0
    assert set(VoucherHolding.objects.values_list("units", flat=True)) == {0}


def test_late_payments_and_new_buyers_racing_for_the_same_units_never_oversell(postgres):
    sale = make_sale(stock=30, cap=1)
    users = make_users(60)
    late = [
        vouchers.voucher_reserve(user=u, sale=sale, units=1, idempotency_key=f"late-{i:03d}")
        for i, u in enumerate(users[:30])
    ]
    VoucherReservation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert vouchers.voucher_reservations_expire() == 30
    # At once: the 30 late payments (10 of them notified twice) and 30 new buyers for the 30 free units.
    jobs = (
        [("pay", r.pk) for r in late] + [("pay", r.pk) for r in late[:10]] + [("buy", u) for u in users[30:]]
    )
    random.Random(8).shuffle(jobs)

    def run(n: int):
        kind, target = jobs[n]
        if kind == "pay":
            return vouchers.voucher_payment_confirm(reservation_id=target).status
        return vouchers.voucher_reserve(
            user=target, sale=sale, units=1, idempotency_key=f"new-buyer-{target.pk:05d}"
        )

    results = run_at_once(len(jobs), run, workers=40)
    assert set(r for r in results if isinstance(r, str)) <= {"paid", "refund_due", "sold_out"}
    statuses = Counter(VoucherReservation.objects.values_list("status", flat=True))
    late_paid = VoucherReservation.objects.filter(pk__in=[r.pk for r in late], status="paid").count()
    assert statuses["paid"] == late_paid and statuses["paid"] + statuses["pending"] == 30  # all sold, once
    assert statuses["refund_due"] == 30 - late_paid and statuses["expired"] == 0
    assert set(
        VoucherReservation.objects.filter(status="refund_due").values_list("refund_reason", flat=True)
    ) <= {"sold_out"}
    assert Transaction.objects.filter(kind="voucher").count() == late_paid
    held_units_agree_with_reservations(sale)
    assert wallet_reconcile() == []

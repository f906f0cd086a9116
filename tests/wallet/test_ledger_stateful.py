"""Randomized stateful test of the wallet: earn, pay, refund, retry, expire, purchase, cancel.

A plain-Python model keeps every resident's lots (value and expiry) and every payment's takes; after each
step the database must agree with it lot by lot, the ledger must reconcile (entries sum to zero, cached
balances and lots match), and the voucher sale's stock must equal what the reservations hold.
"""

import datetime as dt
import uuid

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from apps.wallet import services, vouchers
from apps.wallet.constants import ReservationStatus, SaleEligibility, SaleMode
from apps.wallet.expiry import points_expire
from apps.wallet.models import Account, Entry, Lot, Merchant, Transaction, VoucherHolding, VoucherSale
from apps.wallet.selectors import wallet_balance
from apps.wallet.services import WalletError
from tests.identity.factories import UserFactory

STOCK, CAP, PRICE, PREMIUM = 12, 3, 1000, 20
FACE = PRICE * (100 + PREMIUM) // 100


class Wallet(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.now = timezone.now()
        self.users = [UserFactory() for _ in range(3)]
        self.sent_keys = {}
        n = Merchant.objects.count()
        self.shop = Merchant.objects.create(code=f"shop-{n}", name="Shop", owner=UserFactory())
        services.merchant_account(merchant=self.shop)
        self.sale = VoucherSale.objects.create(
            code=f"sale-{n}",
            name="Sale",
            price=PRICE,
            premium_rate=PREMIUM,
            stock=STOCK,
            per_person_cap=CAP,
            mode=SaleMode.FIRST_COME,
            eligibility=SaleEligibility.ANYONE,
            opens_at=self.now - dt.timedelta(days=1),
            closes_at=self.now + dt.timedelta(days=10),
            purchase_until=self.now + dt.timedelta(days=10),
            valid_until=self.now + dt.timedelta(days=90),
        )
        # The model: per user, lots as [expires_at, remaining] in creation order.
        self.lots: dict[int, list[list]] = {u.pk: [] for u in self.users}
        # Payments: (transaction id, payer pk, [(lot index, taken)], amount left to refund).
        self.payments: list[tuple[object, int, list[list[int]], int]] = []
        self.pending: list[tuple[object, int, int]] = []  # (reservation id, user pk, units)
        self.counter = 0
        # Examples share the test's database: keys must be unique across them (id(self) was not: a
        # collected machine's id comes back, and its keys then collide with the earlier example's).
        self.run = uuid.uuid4().hex

    def key(self) -> str:
        self.counter += 1
        return f"stateful-{self.run}-{self.counter}"

    def spendable(self, pk: int) -> int:
        now = timezone.now()
        return sum(r for expires, r in self.lots[pk] if expires > now)

    @rule(
        who=st.integers(0, 2),
        amount=st.integers(1, 500),
        days=st.sampled_from([-1, 5, 40, 400]),  # -1: already past its expiry, not yet swept
    )
    def earn(self, who, amount, days):
        user = self.users[who]
        expires = self.now + dt.timedelta(days=days)
        services.points_award(user=user, amount=amount, idempotency_key=self.key(), expires_at=expires)
        self.lots[user.pk].append([expires, amount])

    @rule(who=st.integers(0, 2), amount=st.one_of(st.integers(-5, 0), st.integers(1, 900), st.just(10**9)))
    def pay(self, who, amount):
        user, key = self.users[who], self.key()
        try:
            result = services.payment_create(
                user=user, merchant_code=self.shop.code, amount=amount, idempotency_key=key
            )
        except WalletError as exc:
            assert exc.code in ("invalid_amount", "insufficient_funds")
            assert exc.code == "invalid_amount" or amount > self.spendable(user.pk)
            return
        assert 0 < amount <= self.spendable(user.pk)
        # Oldest first: the lots closest to expiry (and not past it) give first.
        now, left, takes = timezone.now(), amount, []
        order = sorted(
            (i for i, (expires, r) in enumerate(self.lots[user.pk]) if r > 0 and expires > now),
            key=lambda i: (self.lots[user.pk][i][0], i),
        )
        for i in order:
            take = min(left, self.lots[user.pk][i][1])
            self.lots[user.pk][i][1] -= take
            takes.append([i, take])
            left -= take
            if not left:
                break
        self.payments.append((result.transaction.pk, user.pk, takes, amount))
        self.sent_keys[result.transaction.pk] = key  # stored scoped and hashed: a retry sends what was sent
        assert result.balance == sum(r for _, r in self.lots[user.pk])

    @precondition(lambda self: self.payments)
    @rule(index=st.integers(0, 50), amount=st.integers(1, 900))
    def refund(self, index, amount):
        index %= len(self.payments)
        pk, payer, takes, left = self.payments[index]
        try:
            services.payment_refund(
                merchant=self.shop, payment_id=pk, amount=amount, idempotency_key=self.key()
            )
        except WalletError as exc:
            assert exc.code == "refund_exceeds_payment" and amount > left
            return
        assert amount <= left
        # Given back to the payment's lots, latest expiry first.
        give_left = amount
        for take in sorted(takes, key=lambda t: (self.lots[payer][t[0]][0], t[0]), reverse=True):
            give = min(give_left, take[1])
            take[1] -= give
            self.lots[payer][take[0]][1] += give
            give_left -= give
            if not give_left:
                break
        self.payments[index] = (pk, payer, takes, left - amount)

    @precondition(lambda self: self.payments)
    @rule()
    def retry_last_payment(self):
        pk = self.payments[-1][0]
        tx = Transaction.objects.get(pk=pk)
        payer = Account.objects.get(entries__transaction=tx, entries__amount__lt=0).owner
        amount = -Entry.objects.get(transaction=tx, amount__lt=0).amount
        again = services.payment_create(
            user=payer, merchant_code=self.shop.code, amount=amount, idempotency_key=self.sent_keys[pk]
        )
        assert again.transaction.pk == pk and again.replayed

    @rule()
    def expire(self):
        points_expire(now=timezone.now())
        now = timezone.now()
        for lots in self.lots.values():
            for lot in lots:
                if lot[0] <= now:
                    lot[1] = 0

    @rule(who=st.integers(0, 2), units=st.integers(0, CAP + 1), pay=st.booleans())
    def purchase(self, who, units, pay):
        user = self.users[who]
        held = sum(u for _, owner, u in self.pending if owner == user.pk) + self.paid_units(user.pk)
        try:
            reservation = vouchers.voucher_reserve(
                user=user, sale=self.sale, units=units, idempotency_key=self.key()
            )
        except WalletError as exc:
            free = STOCK - self.sale_units()
            assert exc.code in ("invalid_units", "sold_out", "cap_reached"), exc.code
            assert units < 1 or units > CAP or units > free or held + units > CAP
            return
        assert 1 <= units <= STOCK - self.sale_units() + units and held + units <= CAP
        if not pay:
            self.pending.append((reservation.pk, user.pk, units))
            return
        vouchers.voucher_payment_confirm(reservation_id=reservation.pk)
        self.lots[user.pk].append([self.sale.valid_until, units * FACE])

    @precondition(lambda self: self.pending)
    @rule(index=st.integers(0, 20))
    def cancel(self, index):
        reservation_id, pk, _ = self.pending.pop(index % len(self.pending))
        owner = next(u for u in self.users if u.pk == pk)
        cancelled = vouchers.voucher_reservation_cancel(user=owner, reservation_id=reservation_id)
        assert cancelled.status == ReservationStatus.CANCELLED

    def paid_units(self, pk: int) -> int:
        return (
            self.sale.reservations.filter(user_id=pk, status=ReservationStatus.PAID).aggregate(
                n=Sum("units")
            )["n"]
            or 0
        )

    def sale_units(self) -> int:
        return VoucherSale.objects.get(pk=self.sale.pk).reserved

    @invariant()
    def ledger_adds_up(self):
        if not hasattr(self, "users"):
            return
        assert services.wallet_reconcile() == []
        for user in self.users:
            model = sorted((expires, r) for expires, r in self.lots[user.pk] if r > 0)
            stored = sorted(
                Lot.objects.filter(account__owner=user, remaining__gt=0).values_list(
                    "expires_at", "remaining"
                )
            )
            assert stored == model
            assert wallet_balance(user=user) == sum(r for _, r in model) >= 0

    @invariant()
    def stock_is_what_reservations_hold(self):
        if not hasattr(self, "sale"):
            return
        held = (
            self.sale.reservations.filter(
                status__in=[ReservationStatus.PENDING, ReservationStatus.PAID]
            ).aggregate(n=Sum("units"))["n"]
            or 0
        )
        assert self.sale_units() == held <= STOCK
        for holding in VoucherHolding.objects.filter(sale=self.sale):
            assert holding.units <= CAP


@pytest.mark.django_db
def test_the_wallet_holds_its_invariants_under_random_operations():
    run = Wallet.TestCase
    run.settings = settings(
        max_examples=15, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    run().runTest()

"""Randomized stateful test of the ledger: earn, pay, refund, retry; invariants after every step."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from apps.wallet import services
from apps.wallet.models import Account, Entry, Merchant, Transaction
from apps.wallet.selectors import wallet_balance
from apps.wallet.services import WalletError
from tests.identity.factories import UserFactory


class Ledger(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.users = [UserFactory() for _ in range(3)]
        self.shop = Merchant.objects.create(
            code=f"shop-{Merchant.objects.count()}", name="Shop", owner=UserFactory()
        )
        services.merchant_account(merchant=self.shop)
        self.expected = {u.pk: 0 for u in self.users}
        self.payments: list[tuple[object, int, int]] = []  # (transaction id, payer pk, amount left to refund)
        self.counter = 0

    def key(self) -> str:
        self.counter += 1
        return f"stateful-{id(self)}-{self.counter}"

    @rule(who=st.integers(0, 2), amount=st.integers(1, 500))
    def earn(self, who, amount):
        services.points_award(user=self.users[who], amount=amount, idempotency_key=self.key())
        self.expected[self.users[who].pk] += amount

    @rule(who=st.integers(0, 2), amount=st.one_of(st.integers(-5, 0), st.integers(1, 800), st.just(10**9)))
    def pay(self, who, amount):
        user = self.users[who]
        try:
            result = services.payment_create(
                user=user, merchant_code=self.shop.code, amount=amount, idempotency_key=self.key()
            )
        except WalletError as exc:
            assert exc.code in ("invalid_amount", "insufficient_funds")
            assert exc.code == "invalid_amount" or amount > self.expected[user.pk]
            return
        assert 0 < amount <= self.expected[user.pk]
        self.expected[user.pk] -= amount
        self.payments.append((result.transaction.pk, user.pk, amount))
        assert result.balance == self.expected[user.pk]

    @precondition(lambda self: self.payments)
    @rule(index=st.integers(0, 50), amount=st.integers(1, 900))
    def refund(self, index, amount):
        pk, payer, left = self.payments[index % len(self.payments)]
        try:
            services.payment_refund(
                merchant=self.shop, payment_id=pk, amount=amount, idempotency_key=self.key()
            )
        except WalletError as exc:
            assert exc.code == "refund_exceeds_payment" and amount > left
            return
        assert amount <= left
        self.payments[index % len(self.payments)] = (pk, payer, left - amount)
        self.expected[payer] += amount

    @precondition(lambda self: self.payments)
    @rule()
    def retry_last_payment(self):
        pk = self.payments[-1][0]
        tx = Transaction.objects.get(pk=pk)
        payer = Account.objects.get(entries__transaction=tx, entries__amount__lt=0).owner
        amount = -Entry.objects.get(transaction=tx, amount__lt=0).amount
        again = services.payment_create(
            user=payer, merchant_code=self.shop.code, amount=amount, idempotency_key=tx.idempotency_key
        )
        assert again.transaction.pk == pk and again.replayed

    @invariant()
    def ledger_adds_up(self):
        if not hasattr(self, "users"):
            return
        assert services.wallet_reconcile() == []
        for user in self.users:
            assert wallet_balance(user=user) == self.expected[user.pk] >= 0


@pytest.mark.django_db
def test_the_ledger_holds_its_invariants_under_random_operations():
    run = Ledger.TestCase
    run.settings = settings(
        max_examples=15, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    run().runTest()

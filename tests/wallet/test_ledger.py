import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from apps.wallet import services
from apps.wallet.constants import AccountKind
from apps.wallet.models import Account, Entry, Lot, LotUse, Merchant, Transaction
from apps.wallet.services import WalletError
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def udon():
    merchant = Merchant.objects.create(code="demo-udon", name="Demo Udon", owner=UserFactory())
    services.merchant_account(merchant=merchant)
    return merchant


def test_an_award_and_a_payment_move_points_and_keep_the_ledger_balanced(udon):
    user = UserFactory()
    services.points_award(user=user, amount=500, idempotency_key="award-0001")
    result = services.payment_create(
        user=user, merchant_code="demo-udon", amount=120, idempotency_key="pay-00000001"
    )
    assert result.balance == 380
    assert Account.objects.get(merchant=udon).balance == 120
    assert services.wallet_reconcile() == []
    assert sum(Entry.objects.values_list("amount", flat=True)) == 0


def test_a_retry_returns_the_first_result_and_another_amount_is_a_conflict(udon):
    user = UserFactory()
    services.points_award(user=user, amount=500, idempotency_key="award-0002")
    first = services.payment_create(
        user=user, merchant_code="demo-udon", amount=100, idempotency_key="pay-00000002"
    )
    again = services.payment_create(
        user=user, merchant_code="demo-udon", amount=100, idempotency_key="pay-00000002"
    )
    assert again.transaction.pk == first.transaction.pk and again.replayed
    assert Account.objects.get(owner=user).balance == 400
    with pytest.raises(WalletError) as err:
        services.payment_create(
            user=user, merchant_code="demo-udon", amount=101, idempotency_key="pay-00000002"
        )
    assert (err.value.code, err.value.status) == ("idempotency_conflict", 409)


@pytest.mark.parametrize(
    ("amount", "merchant", "code"),
    [(0, "demo-udon", "invalid_amount"), (-5, "demo-udon", "invalid_amount"), (10**12, "demo-udon", "invalid_amount"),
     (1.5, "demo-udon", "invalid_amount"), ("100", "demo-udon", "invalid_amount"), (True, "demo-udon", "invalid_amount"),
     (10, "no-such-shop", "unknown_merchant"), (10_000, "demo-udon", "insufficient_funds")],
)  # fmt: skip
def test_bad_payments_get_their_code_and_change_nothing(udon, amount, merchant, code):
    user = UserFactory()
    services.points_award(user=user, amount=500, idempotency_key="award-bad-" + code[:10])
    before = list(Account.objects.order_by("pk").values_list("balance", flat=True))
    with pytest.raises(WalletError) as err:
        services.payment_create(
            user=user, merchant_code=merchant, amount=amount, idempotency_key="pay-bad-00001"
        )
    assert err.value.code == code
    assert list(Account.objects.order_by("pk").values_list("balance", flat=True)) == before
    assert services.wallet_reconcile() == []


def test_the_api_pays_and_reports_errors(client, udon):
    user = UserFactory()
    services.points_award(user=user, amount=300, idempotency_key="award-api-01")
    client.force_login(user)
    assert client.get("/api/v1/wallet").json()["balance"] == 300
    body = {"merchant": "demo-udon", "amount": 200, "idempotency_key": "api-pay-0001"}
    response = client.post("/api/v1/wallet/payments", json.dumps(body), content_type="application/json")
    assert response.status_code == 201 and response.json()["balance"] == 100
    response = client.post(
        "/api/v1/wallet/payments",
        json.dumps({**body, "idempotency_key": "api-pay-0002"}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]) == (409, "insufficient_funds")
    response = client.post(
        "/api/v1/wallet/payments", json.dumps({**body, "amount": 1}), content_type="application/json"
    )
    assert (response.status_code, response.json()["error"]) == (409, "idempotency_conflict")
    client.logout()
    assert client.get("/api/v1/wallet").status_code == 401


def test_reconcile_exits_non_zero_when_a_cached_balance_is_wrong(udon):
    user = UserFactory()
    services.points_award(user=user, amount=50, idempotency_key="award-rec-01")
    call_command("wallet_reconcile")
    Account.objects.filter(owner=user).update(balance=49)
    with pytest.raises(CommandError, match="problem"):
        call_command("wallet_reconcile")
    assert Account.objects.get(system_code=AccountKind.ISSUANCE).balance == -50


def by_expiry() -> list[int]:
    return list(Lot.objects.order_by("expires_at").values_list("remaining", flat=True))


def test_a_payment_takes_the_lots_closest_to_expiry_and_its_refund_gives_back_the_latest_first(udon):
    user = UserFactory()
    now = timezone.now()
    for days, key in ((100, "award-lot-late"), (10, "award-lot-soon"), (50, "award-lot-mid")):
        services.points_award(
            user=user, amount=100, idempotency_key=key, expires_at=now + dt.timedelta(days=days)
        )
    paid = services.payment_create(
        user=user, merchant_code="demo-udon", amount=150, idempotency_key="pay-lots-01"
    )
    assert by_expiry() == [0, 50, 100]
    uses = sorted(LotUse.objects.filter(transaction=paid.transaction).values_list("amount", flat=True))
    assert uses == [50, 100]
    services.payment_refund(
        merchant=udon, payment_id=paid.transaction.pk, amount=60, idempotency_key="ref-lots-01"
    )
    assert by_expiry() == [10, 100, 100]  # the later lot first: kind to the resident
    assert services.wallet_reconcile() == []


def test_points_past_their_expiry_do_not_pay_even_before_the_sweep(udon):
    user = UserFactory()
    services.points_award(
        user=user,
        amount=100,
        idempotency_key="award-stale-1",
        expires_at=timezone.now() - dt.timedelta(hours=1),
    )
    with pytest.raises(WalletError) as err:
        services.payment_create(
            user=user, merchant_code="demo-udon", amount=10, idempotency_key="pay-stale-01"
        )
    assert err.value.code == "insufficient_funds"
    assert Account.objects.get(owner=user).balance == 100
    assert not Transaction.objects.filter(idempotency_key="pay-stale-01").exists()


def test_a_refused_payment_inside_a_transaction_leaves_that_transaction_usable(udon):
    user = UserFactory()
    services.points_award(user=user, amount=10, idempotency_key="award-outer-1")
    with transaction.atomic():
        with pytest.raises(WalletError):
            services.payment_create(
                user=user, merchant_code="demo-udon", amount=11, idempotency_key="pay-outer-01"
            )
        paid = services.payment_create(
            user=user, merchant_code="demo-udon", amount=4, idempotency_key="pay-outer-02"
        )
    assert paid.balance == 6 and Account.objects.get(owner=user).balance == 6
    assert services.wallet_reconcile() == []


def test_the_first_payment_opens_the_merchants_account_and_a_resident_without_one_has_nothing_to_spend():
    shop = Merchant.objects.create(code="new-shop", name="New Shop", owner=UserFactory())
    user = UserFactory()
    with pytest.raises(WalletError) as err:
        services.payment_create(user=user, merchant_code="new-shop", amount=1, idempotency_key="pay-first-01")
    assert err.value.code == "insufficient_funds"
    services.points_award(user=user, amount=30, idempotency_key="award-first-1")
    result = services.payment_create(
        user=user, merchant_code="new-shop", amount=30, idempotency_key="pay-first-02"
    )
    assert (result.balance, Account.objects.get(merchant=shop).balance) == (0, 30)
    assert result.merchant.name == "New Shop" and result.merchant.pk == shop.pk
    assert services.wallet_reconcile() == []


def test_a_payment_key_equal_to_a_server_key_is_its_own_and_a_closed_shop_unknown(udon):
    user = UserFactory()
    award = services.points_award(user=user, amount=50, idempotency_key="award-shared-key")
    # The client's key lives in its own namespace (issue 15): it neither collides with the award's nor
    # tells that the award exists.
    paid = services.payment_create(user=user, merchant_code="demo-udon", amount=5, idempotency_key="award-shared-key")
    assert not paid.replayed and paid.transaction.pk != award.pk
    Merchant.objects.filter(pk=udon.pk).update(active=False)
    Merchant.objects.filter(pk=udon.pk).update(active=False)
    with pytest.raises(WalletError) as err:
        services.payment_create(
            user=user, merchant_code="demo-udon", amount=5, idempotency_key="pay-closed-1"
        )
    assert (err.value.code, err.value.status) == ("unknown_merchant", 404)
    assert Account.objects.get(owner=user).balance == 45

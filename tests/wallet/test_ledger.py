import json

import pytest
from django.core.management import CommandError, call_command

from apps.wallet import services
from apps.wallet.constants import AccountKind
from apps.wallet.models import Account, Entry, Merchant
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

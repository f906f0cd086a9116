"""A key a client sends can neither take a key the server will use nor tell that another person used it.

Issue 15, item 1: client keys and the server's own keys ("settlement:…", "campaign:…") shared one unique
column, so a resident could plant the key of a future settlement or of another person's award.
"""

import datetime as dt
import json

import pytest
from django.utils import timezone

from apps.wallet import campaigns, services, settlements, vouchers
from apps.wallet.campaigns import CODE_REFERENCE, VERIFICATION_REFERENCE
from apps.wallet.constants import CampaignKind
from apps.wallet.models import Account, CampaignAward, Transaction, VoucherReservation
from tests.identity.factories import UserFactory
from tests.wallet.test_campaigns import balance, make_campaign, verified_user
from tests.wallet.test_operator import shop_with_balance
from tests.wallet.test_vouchers import make_sale

pytestmark = pytest.mark.django_db


def pay(client, user, *, key: str, amount: int = 10, merchant: str = "planted-shop"):
    client.force_login(user)
    body = {"merchant": merchant, "amount": amount, "idempotency_key": key}
    return client.post("/api/v1/wallet/payments", json.dumps(body), content_type="application/json")


def resident_with_points(points: int = 500):
    user = UserFactory()
    services.points_award(user=user, amount=points, idempotency_key=f"welcome-{user.pk}-points")
    return user


@pytest.fixture
def shop():
    return shop_with_balance("planted-shop", 0)


def test_a_planted_settlement_key_does_not_block_the_shops_settlement(client, shop):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    planted = f"settlement:{shop.code}:{tomorrow.isoformat()}"
    assert pay(client, resident_with_points(), key=planted).status_code == 201
    run = settlements.settlement_run(run_date=tomorrow)
    assert [s.merchant for s in run.settled] == [shop]
    assert Account.objects.get(merchant=shop).balance == 0


def test_a_planted_award_key_does_not_take_another_persons_verification_bonus(client, shop):
    campaign = make_campaign(CampaignKind.VERIFICATION, points=500, per_person_cap=500)
    other = verified_user()
    planted = f"campaign:{campaign.pk}:{other.pk}:{VERIFICATION_REFERENCE}"
    assert pay(client, resident_with_points(), key=planted).status_code == 201
    # The bonus of the person the key was planted for, through the same path the verification signal takes.
    result = campaigns.campaign_award(campaign=campaign, user=other, reference=VERIFICATION_REFERENCE)
    assert not result.replayed and balance(other) == 500
    assert CampaignAward.objects.filter(user=other, campaign=campaign).count() == 1


def test_a_planted_key_does_not_break_another_persons_event_join(client, shop):
    campaign = make_campaign(CampaignKind.EVENT, points=300, per_person_cap=300, event_code="UDON2025")
    other = verified_user()
    planted = f"campaign:{campaign.pk}:{other.pk}:{CODE_REFERENCE}"
    assert pay(client, resident_with_points(), key=planted).status_code == 201
    result = campaigns.campaign_code_redeem(campaign=campaign, user=other, code="UDON2025")
    assert not result.replayed and balance(other) == 300


def test_the_same_key_from_another_person_is_an_independent_payment(client, shop):
    first, second = resident_with_points(), resident_with_points()
    one = pay(client, first, key="shared-key-0001", amount=30)
    two = pay(client, second, key="shared-key-0001", amount=70)
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json()["payment"]["id"] != two.json()["payment"]["id"]
    assert (balance(first), balance(second)) == (470, 430)


def test_the_same_person_same_key_other_amount_is_a_conflict_and_a_retry_is_the_same_payment(client, shop):
    user = resident_with_points()
    first = pay(client, user, key="retry-key-0001", amount=40)
    again = pay(client, user, key="retry-key-0001", amount=40)
    other = pay(client, user, key="retry-key-0001", amount=41)
    assert first.json()["payment"]["id"] == again.json()["payment"]["id"]
    assert (other.status_code, other.json()["error"]) == (409, "idempotency_conflict")
    assert balance(user) == 460


def test_a_client_key_is_never_stored_as_sent(client, shop):
    user = resident_with_points()
    assert pay(client, user, key="visible-key-0001").status_code == 201
    stored = Transaction.objects.get(kind="payment").idempotency_key
    assert stored.startswith(services.CLIENT_KEY_PREFIX) and "visible-key-0001" not in stored


def test_a_server_key_can_never_be_in_the_clients_namespace():
    with pytest.raises(services.WalletError):
        services.points_award(user=UserFactory(), amount=10, idempotency_key="c:" + "0" * 64)


def test_a_refund_key_is_the_merchants_own(client, shop):
    user = resident_with_points()
    payment = pay(client, user, key="refund-key-0001", amount=50).json()["payment"]
    refund = services.payment_refund(merchant=shop, payment_id=payment["id"], amount=20,
                                     idempotency_key="refund-key-0001")  # fmt: skip
    assert refund.kind == "refund" and balance(user) == 470


def test_the_same_reservation_key_from_another_person_is_another_reservation():
    sale = make_sale()
    first, second = UserFactory(), UserFactory()
    one = vouchers.voucher_reserve(user=first, sale=sale, units=1, idempotency_key="reserve-shared")
    two = vouchers.voucher_reserve(user=second, sale=sale, units=2, idempotency_key="reserve-shared")
    assert one.pk != two.pk and (one.user, two.user, two.units) == (first, second, 2)
    assert VoucherReservation.objects.count() == 2


@pytest.mark.postgres
def test_on_postgres_the_fast_path_scopes_keys_too(postgres, client, shop):
    first, second = resident_with_points(), resident_with_points()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    planted = f"settlement:{shop.code}:{tomorrow.isoformat()}"
    assert pay(client, first, key=planted, amount=30).status_code == 201
    assert pay(client, second, key=planted, amount=30).status_code == 201
    assert [s.merchant for s in settlements.settlement_run(run_date=tomorrow).settled] == [shop]

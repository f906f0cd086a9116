import re

import pytest

from apps.demo.services import demo_accounts_load
from apps.identity.models import User
from apps.wallet import services
from apps.wallet.models import Account, Merchant, Transaction
from apps.wallet.services import WalletError
from tests.identity.helpers import log_in_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


def pay(client, amount, code="demo-udon"):
    page = client.get(f"/wallet/pay/{code}/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    client.post(f"/wallet/pay/{code}/", {"amount": amount, "idempotency_key": key})  # the confirm page
    return client.post(
        f"/wallet/pay/{code}/", {"amount": amount, "idempotency_key": key, "confirm": "1"}
    ), key


def test_a_resident_pays_demo_udon_and_sees_a_large_confirmation(client, demo):
    client.force_login(demo["resident"])
    response, key = pay(client, 480)
    assert response.status_code == 302 and "/wallet/payments/" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert "支払いが完了しました" in html and "Demo Udon" in html and "480" in html
    again = client.post("/wallet/pay/demo-udon/", {"amount": 480, "idempotency_key": key, "confirm": "1"})
    assert again["Location"] == response["Location"]  # a double submit pays once
    assert Account.objects.get(owner=demo["resident"]).balance == 3000 - 480


def test_another_residents_receipt_is_a_404(client, demo):
    client.force_login(demo["resident"])
    response, _ = pay(client, 100)
    client.force_login(demo["newcomer"])
    assert client.get(response["Location"]).status_code == 404


def test_bad_amounts_are_refused_with_a_message(client, demo):
    client.force_login(demo["resident"])
    for amount in ("0", "-5", "abc", "1.5", "99999999999"):
        response = client.post(
            "/wallet/pay/demo-udon/", {"amount": amount, "idempotency_key": "k" * 16, "confirm": "1"}
        )
        assert response.status_code == 400 and "errorlist" in response.content.decode()
    response, _ = pay(client, 5000)
    assert "ポイント残高（3,000 ポイント）を超えています" in response.content.decode()
    assert client.get("/wallet/pay/no-such-shop/").status_code == 404
    assert Transaction.objects.filter(kind="payment").count() == 0


def test_a_refused_payment_is_explained_in_english_at_en(client, demo):
    """The service's error reaches the page in the language of the URL, and nothing is paid."""
    client.force_login(demo["resident"])
    page = client.get("/en/wallet/pay/demo-udon/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    response = client.post(
        "/en/wallet/pay/demo-udon/", {"amount": 5000, "idempotency_key": key, "confirm": "1"}, follow=True
    )
    html = response.content.decode()
    assert "That is more than your balance (3,000 points)." in html and "残高" not in html
    assert Transaction.objects.filter(kind="payment").count() == 0
    assert Account.objects.get(owner=demo["resident"]).balance == 3000


def test_a_service_refusal_is_in_the_active_language():
    from django.utils import translation

    from apps.wallet.services import _amount

    for language, expected in (
        ("en", "Give an amount from 1 to 1,000,000."),
        ("ja", "金額は1以上1,000,000以下"),
    ):
        with translation.override(language), pytest.raises(WalletError) as err:
            _amount(0)
        assert expected in err.value.detail


def test_the_merchant_sees_payments_and_refunds_up_to_the_original(client, demo):
    client.force_login(demo["resident"])
    pay(client, 300)
    client.logout()
    log_in_with_second_factor(client, "shop@example.jp")
    html = client.get("/merchant/").content.decode()
    assert "<svg" in html and "/wallet/pay/demo-udon/" in html and "300" in html
    payment = Transaction.objects.get(kind="payment")
    client.post(
        f"/merchant/payments/{payment.pk}/refund/",
        {"amount": 200, "idempotency_key": "refund-key-1", "confirm": "yes"},
    )
    client.post(
        f"/merchant/payments/{payment.pk}/refund/",
        {"amount": 101, "idempotency_key": "refund-key-2", "confirm": "yes"},
    )
    assert Account.objects.get(owner=demo["resident"]).balance == 3000 - 300 + 200
    with pytest.raises(WalletError) as err:
        services.payment_refund(
            merchant=Merchant.objects.get(), payment_id=payment.pk, amount=101, idempotency_key="refund-key-3"
        )
    assert err.value.code == "refund_exceeds_payment"
    assert services.wallet_reconcile() == []


def test_residents_cannot_open_the_merchant_page(client, demo):
    client.force_login(demo["resident"])
    assert client.get("/merchant/").status_code == 403


def test_expiring_points_show_their_date_in_the_pages_language(client, demo):
    import datetime as dt

    from django.utils import timezone

    expires = timezone.localtime() + dt.timedelta(days=10)
    services.points_award(
        user=demo["resident"], amount=120, idempotency_key="expiry-date-1", expires_at=expires
    )
    client.force_login(demo["resident"])
    english = client.get("/en/wallet/").content.decode()
    assert f"{expires.day}, {expires.year}</time>" in english and "年" not in english
    japanese = client.get("/wallet/").content.decode()
    assert f"{expires.year}年{expires.month}月{expires.day}日" in japanese

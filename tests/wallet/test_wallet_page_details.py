"""What residents and shops read on the wallet pages (issue 16, item 12).

The wallet shows when points expire and whom each line was with; an amount over the balance is refused
before 支払う with the amount kept; the till lists the transaction number the customer's receipt has;
a refund asks first; a shop's statement is headed as the shop's, not as the resident's wallet.
"""

import re

import pytest

from apps.demo.services import demo_accounts_load
from apps.identity.models import User
from apps.wallet.models import Account, Transaction
from tests.identity.helpers import log_in_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


def _pay(client, amount: int):
    page = client.get("/wallet/pay/demo-udon/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    return client.post("/wallet/pay/demo-udon/", {"amount": amount, "idempotency_key": key, "confirm": "1"})


def test_the_wallet_says_when_points_expire_and_whom_each_line_was_with(client, demo):
    client.force_login(demo["resident"])
    _pay(client, 120)
    html = client.get("/wallet/").content.decode()
    assert re.search(r"有効期限: 2,880 ポイントが \d{4}年\d{1,2}月\d{1,2}日 に失効します", html), html
    assert "支払い（Demo Udon）: <strong>-120</strong> ポイント" in html


def test_an_amount_over_the_balance_is_refused_before_paying_and_stays_in_the_field(client, demo):
    client.force_login(demo["resident"])
    page = client.get("/wallet/pay/demo-udon/").content.decode()
    assert 'max="3000"' in page  # the browser can say so before sending
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    response = client.post("/wallet/pay/demo-udon/", {"amount": "3001", "idempotency_key": key})
    html = response.content.decode()
    assert response.status_code == 400
    assert "ポイント残高（3,000 ポイント）を超えています" in html and 'value="3001"' in html
    assert "支払いの確認" not in html  # not the confirmation page with 支払う
    assert not Transaction.objects.filter(kind="payment").exists()


def test_the_till_lists_the_receipts_transaction_number_and_a_refund_asks_first(client, demo):
    client.force_login(demo["resident"])
    paid = _pay(client, 300)
    receipt = client.get(paid["Location"]).content.decode()
    payment = Transaction.objects.get(kind="payment")
    assert f"取引番号 {payment.number}" in receipt
    client.logout()
    log_in_with_second_factor(client, "shop@example.jp")
    till = client.get("/merchant/").content.decode()
    assert payment.number in till

    url = f"/merchant/payments/{payment.pk}/refund/"
    question = client.post(url, {"amount": 100, "idempotency_key": "refund-ask-1"})
    html = question.content.decode()
    assert question.status_code == 200 and "返金の確認" in html and payment.number in html
    assert Account.objects.get(owner=demo["resident"]).balance == 3000 - 300  # nothing refunded yet
    client.post(url, {"amount": 100, "idempotency_key": "refund-ask-1", "confirm": "yes"})
    assert Account.objects.get(owner=demo["resident"]).balance == 3000 - 200


def test_a_resident_cannot_refund_even_their_own_payment(client, demo):
    client.force_login(demo["resident"])
    _pay(client, 300)
    payment = Transaction.objects.get(kind="payment")
    url = f"/merchant/payments/{payment.pk}/refund/"
    data = {"amount": 1, "idempotency_key": "refund-self-1", "confirm": "yes"}
    assert client.post(url, data).status_code == 403
    assert not Transaction.objects.filter(kind="refund").exists()

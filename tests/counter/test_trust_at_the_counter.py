"""What a clerk and a resident can trust in a counter request (issue 16, items 5, 8 and 9).

Every value says where it came from (the My Number card, the resident, a clerk); the clerk sees which values
differ from the card; the print flow leads back to the request and a correction after printing asks for a
reprint; the resident sees what they submitted and what a clerk corrected, and cancelling asks first.
"""

import pytest
from django.test import Client

from apps.counter import selectors
from apps.counter.models import CounterRequest
from apps.demo.services import DEMO_PASSWORD, demo_accounts_load
from apps.documents.models import Document
from apps.identity.models import User
from tests.identity.helpers import log_in_with_second_factor, totp_now

from .helpers import create

pytestmark = pytest.mark.django_db

MOVED = "香川県高松市サンポート2番1号"


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


@pytest.fixture
def resident(demo):
    client = Client()
    client.force_login(demo["resident"])
    return client


def from_the_card(user) -> dict:
    card, prefilled = selectors.prefill_for(user=user)
    assert prefilled, "the demo resident is verified with the basic four kept"
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in card.items()}


def desk_html(client, created) -> str:
    assert client.post("/staff/counter/", {"code": created.short_code}).status_code == 302
    return client.get(f"/staff/counter/requests/{created.request.pk}/").content.decode()


def answer_of(html: str, label: str) -> str:
    """The <div> of one answer on the desk or the resident's page."""
    start = html.index(f"<dt>{label}</dt>")
    return html[html.rindex("<div", 0, start) : html.index("</div>", start)]


def test_the_clerk_sees_where_each_value_came_from_and_what_differs_from_the_card(client, demo):
    card = from_the_card(demo["resident"])
    created = create(demo["resident"], **{**card, "requester_address": MOVED})
    request = CounterRequest.objects.get()
    assert request.card_values["requester_address"] == card["requester_address"]

    log_in_with_second_factor(client, "staff@example.jp")
    html = desk_html(client, created)
    changed = answer_of(html, "請求する人の住所")
    assert MOVED in changed and "本人がカードの情報から変更" in changed
    assert f"カードの情報: {card['requester_address']}" in changed
    assert "マイナンバーカードの情報" in answer_of(html, "請求する人の氏名") and "カードの情報:" not in answer_of(html, "請求する人の氏名")
    assert "本人が入力" in answer_of(html, "提出先")
    assert "1 項目がマイナンバーカードの情報と異なります。" in html

    client.post(
        f"/staff/counter/requests/{request.pk}/correct/",
        {"field": "recipient", "new_value": "高松市役所", "reason": "提出先の誤り"},
    )
    html = client.get(f"/staff/counter/requests/{request.pk}/").content.decode()
    assert "職員が訂正" in answer_of(html, "提出先") and "高松市役所" in answer_of(html, "提出先")


def test_a_value_typed_to_look_like_the_card_without_a_card_is_the_residents(client, demo):
    """The origin is decided on the server from the verification, never from what the browser sent."""
    unverified = demo["staff"]  # a person without a verification of their own
    created = create(unverified)
    assert CounterRequest.objects.get().card_values == {}
    log_in_with_second_factor(client, "staff@example.jp")
    html = desk_html(client, created)
    assert "本人が入力" in answer_of(html, "請求する人の氏名")
    assert "マイナンバーカードの情報" not in html.split('id="fields-title"')[1].split("</section>")[0]


def test_a_correction_after_printing_asks_for_a_reprint_and_the_form_page_leads_back(client, demo):
    created = create(demo["resident"])
    log_in_with_second_factor(client, "staff@example.jp")
    desk_html(client, created)
    desk = f"/staff/counter/requests/{created.request.pk}/"
    printed = client.post(desk + "print/")
    assert CounterRequest.objects.get().status == "printed"
    form_page = client.get(printed["Location"]).content.decode()
    assert f'href="{desk}"' in form_page and "窓口受付の画面に戻る" in form_page
    assert "印刷した後に内容を訂正しました" not in client.get(desk).content.decode()

    client.post(desk + "correct/", {"field": "recipient", "new_value": "高松市役所", "reason": "誤記"})
    assert CounterRequest.objects.get().status == "scanned"
    assert "印刷した後に内容を訂正しました" in client.get(desk).content.decode()
    client.post(desk + "print/")
    assert CounterRequest.objects.get().status == "printed"
    assert Document.objects.filter(kind="counter.official_form").count() == 2


def test_a_clerk_signing_in_lands_on_the_desk(client, demo):
    response = client.post("/accounts/login/", {"login": "staff@example.jp", "password": DEMO_PASSWORD})
    assert "/accounts/2fa/authenticate/" in response["Location"]
    response = client.post(response["Location"], {"code": totp_now()})
    assert response["Location"] == "/staff/counter/"


def test_the_resident_sees_what_they_submitted_and_what_a_clerk_corrected(client, resident, demo):
    card = from_the_card(demo["resident"])
    created = create(demo["resident"], **{**card, "requester_address": MOVED})
    page = f"/counter/requests/{created.request.pk}/"
    html = resident.get(page).content.decode()
    assert "申請した内容" in html and "株式会社さぬき" in html
    assert "本人がカードの情報から変更" in answer_of(html, "請求する人の住所")

    log_in_with_second_factor(client, "staff@example.jp")
    desk_html(client, created)
    client.post(
        f"/staff/counter/requests/{created.request.pk}/correct/",
        {"field": "recipient", "new_value": "高松市役所", "reason": "提出先の誤り"},
    )
    html = resident.get(page).content.decode()
    assert "窓口で訂正した内容" in html
    assert "提出先: 「株式会社さぬき」→「高松市役所」（理由: 提出先の誤り）" in html


def test_cancelling_asks_first_and_a_bare_post_cancels_nothing(resident, demo):
    created = create(demo["resident"])
    url = f"/counter/requests/{created.request.pk}/cancel/"
    assert resident.post(url).status_code == 200  # the question, not the cancellation
    assert CounterRequest.objects.get().status == "waiting"
    question = resident.get(url).content.decode()
    assert "この申請を取り消しますか？" in question and 'name="confirm" value="yes"' in question
    assert resident.post(url, {"confirm": "yes"}).status_code == 302
    assert CounterRequest.objects.get().status == "cancelled"

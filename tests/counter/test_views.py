import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.counter import tokens
from apps.counter.constants import FormKind
from apps.counter.models import CounterAuditEntry, CounterRequest
from apps.demo.services import demo_accounts_load
from apps.identity.models import User
from tests.identity.helpers import log_in_with_second_factor

from .helpers import create, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


@pytest.fixture
def clerk(client, demo):
    log_in_with_second_factor(client, "staff@example.jp")
    return client


def test_the_form_is_prefilled_from_the_verified_identity(client, demo):
    client.force_login(demo["resident"])
    html = client.get("/counter/new/juminhyo/").content.decode()
    assert 'value="高松　太郎"' in html and "入力済み" in html
    client.force_login(demo["newcomer"])
    assert 'value="高松　太郎"' not in client.get("/counter/new/juminhyo/").content.decode()


@pytest.mark.parametrize("kind", list(FormKind.values))
def test_a_resident_fills_confirms_and_gets_a_qr_page(client, demo, kind):
    client.force_login(demo["resident"])
    confirm = client.post(f"/counter/new/{kind}/", form_data(kind))
    assert confirm.status_code == 200 and "この内容で作成する" in confirm.content.decode()
    assert not CounterRequest.objects.exists()
    payload = re.search(r'name="payload" value="([^"]+)"', confirm.content.decode()).group(1)
    response = client.post(f"/counter/new/{kind}/", {"payload": payload, "submit": "1"})
    created = CounterRequest.objects.get()
    assert response["Location"] == f"/counter/requests/{created.pk}/"
    assert "高松" not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and "受付番号" in page and created.get_form_display() in page
    png = client.get(f"/counter/requests/{created.pk}/qr.png")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")


def test_a_tampered_confirmation_is_refused(client, demo):
    client.force_login(demo["resident"])
    response = client.post("/counter/new/juminhyo/", {"payload": "forged:payload", "submit": "1"})
    assert response.status_code == 302 and not CounterRequest.objects.exists()


def test_bad_input_saves_nothing(client, demo):
    client.force_login(demo["resident"])
    response = client.post(
        "/counter/new/koseki/", form_data("koseki", relationship="third_party", honseki="x" * 10000)
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not CounterRequest.objects.exists()
    assert client.get("/counter/new/passport/").status_code == 404


def test_another_resident_anonymous_and_merchant_cannot_see_a_request(client, demo):
    created = create(demo["resident"])
    url = f"/counter/requests/{created.request.pk}/"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    for who in ("newcomer", "shop"):
        client.force_login(demo[who])
        assert client.get(url).status_code == 404
        assert client.get(url + "qr.png").status_code == 404
        assert client.post(url + "cancel/").status_code == 404


def test_residents_and_merchants_cannot_use_the_desk_or_the_api(client, demo):
    created = create(demo["resident"])
    client.force_login(demo["resident"])
    assert client.post("/staff/counter/", {"code": created.short_code}).status_code == 403
    assert client.get(f"/api/v1/counter/requests/{created.token}").status_code == 403
    client.logout()
    log_in_with_second_factor(client, "shop@example.jp")
    assert client.post("/staff/counter/", {"code": created.short_code}).status_code == 403
    assert client.get(f"/api/v1/counter/requests/{created.token}").status_code == 403
    client.logout()
    assert client.get(f"/api/v1/counter/requests/{created.token}").status_code == 401
    assert not CounterAuditEntry.objects.exists()


def test_a_clerk_without_a_second_factor_session_is_sent_to_use_it(client, demo):
    client.force_login(demo["staff"])
    assert "/accounts/2fa/reauthenticate/" in client.get("/staff/counter/")["Location"]


def test_the_clerk_scans_sees_corrects_prints_and_issues(clerk, demo):
    created = create(demo["resident"])
    response = clerk.post("/staff/counter/", {"code": tokens.qr_payload(created.token)})
    desk = f"/staff/counter/requests/{created.request.pk}/"
    assert response["Location"] == desk
    html = clerk.get(desk).content.decode()
    assert "高松　太郎" in html and "株式会社さぬき" in html
    assert "昭和55年（1980年）2月17日" in html and "1980-02-17" not in html  # as the clerk reads dates
    clerk.post(desk + "correct/", {"field": "subject_birth_date", "new_value": "1980-2-18", "reason": "誤記"})
    html = clerk.get(desk).content.decode()
    assert "「昭和55年（1980年）2月17日」→「昭和55年（1980年）2月18日」" in html
    clerk.post(desk + "correct/", {"field": "recipient", "new_value": "高松市役所", "reason": "提出先の誤り"})
    assert CounterRequest.objects.get().data["recipient"] == "高松市役所"
    html = clerk.get(desk).content.decode()
    assert "提出先: 「株式会社さぬき" in html and "recipient:" not in html  # the form's label, not the key
    clerk.post(
        desk + "correct/copies/",
        {
            "copies-copies_juminhyo_all": "2",
            "copies-copies_juminhyo_some": "0",
            "copies-copies_kisai": "0",
            "copies-copies_joshohyo": "0",
            "copies-reason": "申し出",
        },
    )
    assert CounterRequest.objects.get().data["copies"] == {"juminhyo_all": 2}
    html = clerk.get(desk).content.decode()
    assert html.count('id="id_reason"') == 1  # the two correction forms keep their ids apart
    assert "請求する証明書と通数: 「住民票の写し（世帯全員） 1通」→「住民票の写し（世帯全員） 2通」" in html
    assert f"{CounterRequest.objects.get().fee_yen:,} 円" in html
    printed = clerk.post(desk + "print/")
    assert printed["Location"].startswith("/documents/")
    assert clerk.post(desk + "issue/", {}).status_code == 302  # no identity document seen: refused
    assert CounterRequest.objects.get().status != "issued"
    clerk.post(desk + "issue/", {"photo_ids": ["my_number_card"]})
    assert CounterRequest.objects.get().status == "issued"
    actions = list(CounterAuditEntry.objects.values_list("action", flat=True))
    assert actions.count("view") >= 1 and {"correct", "print", "issue"} <= set(actions)


def test_a_request_id_alone_does_not_open_the_desk(clerk, demo):
    created = create(demo["resident"])
    assert clerk.get(f"/staff/counter/requests/{created.request.pk}/").status_code == 404


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "", "x" * 200, "' OR 1=1 --"])
def test_a_wrong_code_shows_a_clear_message(clerk, code):
    response = clerk.post("/staff/counter/", {"code": code})
    assert response.status_code in (400, 404)
    html = response.content.decode()
    assert "見つかりません" in html or 'class="errorlist"' in html


def test_the_staff_api_returns_the_request(clerk, demo):
    created = create(demo["resident"])
    body = clerk.get(f"/api/v1/counter/requests/{created.token}").json()
    assert body["form"] == "juminhyo" and body["fields"]["requester_name"] == "高松　太郎"
    assert clerk.get("/api/v1/counter/requests/NOSUCHCODE").json()["error"] == "not_found"
    assert CounterAuditEntry.objects.filter(action="api_view").count() == 1


def test_desk_pages_run_a_constant_number_of_queries(clerk, demo):
    small = create(demo["resident"])
    big = create(demo["resident"], "koseki")
    clerk.post("/staff/counter/", {"code": small.short_code})
    clerk.post("/staff/counter/", {"code": big.short_code})
    for i in range(5):
        clerk.post(
            f"/staff/counter/requests/{big.request.pk}/correct/",
            {"field": "recipient", "new_value": f"提出先{i}", "reason": "訂正"},
        )

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert clerk.get(url).status_code == 200
        return len(ctx.captured_queries)

    assert count(f"/staff/counter/requests/{small.request.pk}/") == count(
        f"/staff/counter/requests/{big.request.pk}/"
    )
    before = count("/staff/counter/queue/")
    create(demo["resident"], "inkan")
    assert count("/staff/counter/queue/") == before


def test_the_resident_sees_who_looked_at_the_request(client, clerk, demo):
    created = create(demo["resident"])
    clerk.post("/staff/counter/", {"code": created.short_code})
    clerk.get(f"/staff/counter/requests/{created.request.pk}/")
    from django.test import Client

    resident = Client()
    resident.force_login(demo["resident"])
    html = resident.get(f"/counter/requests/{created.request.pk}/").content.decode()
    assert "閲覧" in html and f"職員番号 {demo['staff'].pk}" in html


def test_queue_and_dashboard_render_for_staff(clerk, demo):
    created = create(demo["resident"])
    clerk.post("/staff/counter/", {"code": created.short_code})
    assert "住民票" in clerk.get("/staff/counter/queue/").content.decode()
    assert clerk.get("/staff/counter/dashboard/").status_code == 200


@pytest.mark.parametrize(
    "typed",
    [
        "full_width",  # an IME left on: ＢＭＫＡ－５ＲＹＨ
        "lower_with_ime_dash",  # bmka ー 5ryh, the long-vowel mark a Japanese IME types for "-"
        "scanner_enter",  # a scanner in keyboard mode ends with Enter
        "ideographic_space",
    ],
)
def test_the_desk_finds_a_short_code_however_the_keyboard_typed_it(clerk, demo, typed):
    created = create(demo["resident"])
    code = created.short_code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    entry = {
        "full_width": f"{full_width[:4]}－{full_width[4:]}",
        "lower_with_ime_dash": f"{code[:4].lower()} ー {code[4:].lower()}",
        "scanner_enter": f"{code}\r\n",
        "ideographic_space": f"\u3000{code[:4]}\u3000{code[4:]}\u3000",
    }[typed]
    response = clerk.post("/staff/counter/", {"code": entry})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/counter/requests/{created.request.pk}/"

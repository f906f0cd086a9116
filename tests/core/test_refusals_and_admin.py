"""Refusals in the portal's own words, and the admin in Japanese (issue 16, item 13).

A refused page (403, 404, a stale form) is the portal's page in the resident's language with a way on and
the city's contact, never Django's bare English page; the catalogue admin's exports open in Japanese Excel;
a Shift_JIS round trip through Excel changes nothing; staff pages name forms, not codes; a sale's mode is
said once; the verification page says where to get the app it points to.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client, override_settings

from apps.catalogue.models import Procedure
from apps.catalogue.services import procedure_import
from apps.demo.services import demo_accounts_load
from apps.identity.models import User
from tests.catalogue.factories import ProcedureFactory
from tests.counter.helpers import create
from tests.identity.helpers import log_in_with_second_factor

pytestmark = pytest.mark.django_db

EXPORT_URL = "/admin/catalogue/procedure/export/"


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


@pytest.fixture
def resident(demo) -> Client:
    client = Client()
    client.force_login(demo["resident"])
    return client


# Refusals


@pytest.mark.parametrize(
    ("prefix", "title", "english_default"),
    [("", "このページは表示できません", "403 Forbidden"), ("/en", "You cannot open this page", "403 Forbidden")],
)
def test_a_resident_opening_a_shop_page_gets_the_portals_refusal_in_their_language(
    resident, prefix, title, english_default
):
    response = resident.get(f"{prefix}/merchant/")
    assert response.status_code == 403
    html = response.content.decode()
    assert f"<h1>{title}</h1>" in html and english_default not in html
    assert "087-839-2011" in html and 'href="' + (prefix or "") + '/"' in html  # a way on, and the city


@pytest.mark.parametrize(("prefix", "title"), [("", "ページが見つかりません"), ("/en", "Page not found")])
def test_an_unknown_page_is_the_portals_not_found_page(client, prefix, title):
    response = client.get(f"{prefix}/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert f"<h1>{title}</h1>" in html and "087-839-2011" in html
    assert "The requested resource was not found" not in html


def test_a_stale_form_is_refused_in_japanese_and_changes_nothing(demo):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(demo["resident"])
    created = create(demo["resident"])
    response = strict.post(f"/counter/requests/{created.request.pk}/cancel/", {"confirm": "yes"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>送信できませんでした</h1>" in html and "CSRF" not in html
    created.request.refresh_from_db()
    assert created.request.status == "waiting"


def test_the_server_error_page_stands_alone_in_both_languages():
    from django.template.loader import get_template

    html = get_template("500.html").render({})  # Django renders it without a request or context processors
    assert "ただいま表示できません" in html and "Temporarily unavailable" in html


# The catalogue admin


def _admin_export_csv(client) -> bytes:
    page = client.get(EXPORT_URL)
    html = page.content.decode()
    assert "次の項目を書き出します" in html and "This exporter will export" not in html
    form = page.context["form"]
    choice = next(value for value, label in form.fields["format"].choices if label == "csv")
    data = {"format": choice, "resource": "0"}
    data.update({name: "on" for name in form.fields if name.startswith("procedureresource_")})
    response = client.post(EXPORT_URL, data)
    assert response.status_code == 200
    return response.content


def test_the_admin_csv_export_opens_in_japanese_excel(admin_client_mfa):
    ProcedureFactory(slug="wave", title="犬の登録〜狂犬病予防注射")
    body = _admin_export_csv(admin_client_mfa)
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: without it Excel reads UTF-8 as Shift_JIS
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert {r["slug"]: r["title"] for r in rows}["wave"] == "犬の登録〜狂犬病予防注射"


def _as_excel_saves_it_in_japan(text: str, slug: str = "wave") -> bytes:
    """What Excel writes when it saves a sheet as CSV in Japan: CP932, with 〜 and its twins as CP932 has
    them (the header and the row of `slug` only)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([rows[0], *(r for r in rows[1:] if r[0] == slug)])
    return out.getvalue().translate(str.maketrans({"〜": "～", "‖": "∥", "−": "－"})).encode("cp932")


def test_a_shift_jis_round_trip_through_excel_changes_nothing(admin_client_mfa):
    ProcedureFactory(slug="wave", title="犬の登録〜狂犬病予防注射", summary="受付 8時30分〜17時15分 − 平日のみ")
    body = _admin_export_csv(admin_client_mfa).decode("utf-8-sig")
    result = procedure_import(data=_as_excel_saves_it_in_japan(body), file_name="procedures.csv")
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["update"] == 0 and result.totals["skip"] == 1
    wave = Procedure.objects.get(slug="wave")
    assert wave.title == "犬の登録〜狂犬病予防注射" and wave.summary == "受付 8時30分〜17時15分 − 平日のみ"


def test_a_real_edit_in_the_same_round_trip_is_still_imported(admin_client_mfa):
    ProcedureFactory(slug="wave", title="犬の登録〜狂犬病予防注射")
    body = _admin_export_csv(admin_client_mfa).decode("utf-8-sig").replace("狂犬病予防注射", "予防注射")
    result = procedure_import(data=_as_excel_saves_it_in_japan(body), file_name="procedures.csv")
    assert result.totals["update"] == 1
    assert Procedure.objects.get(slug="wave").title == "犬の登録〜予防注射"  # the edit, and the stored 〜


def test_the_import_page_and_its_result_are_in_japanese(admin_client_mfa):
    html = admin_client_mfa.get("/admin/catalogue/procedure/import/").content.decode()
    assert "次の項目を取り込みます" in html and "This importer will import" not in html


# Staff pages, the voucher sale and the verification page


def test_the_counter_dashboard_names_the_form_not_its_code(client, demo):
    create(demo["resident"])
    log_in_with_second_factor(client, "staff@example.jp")
    html = client.get("/staff/counter/dashboard/").content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "住民票" in rows and "juminhyo" not in rows


def test_the_voucher_confirmation_says_first_come_once(resident):
    response = resident.post("/wallet/vouchers/sale/demo-first-come/", {"units": "1", "idempotency_key": "k" * 32})
    html = response.content.decode()
    assert response.status_code == 200 and "内容の確認" in html
    assert "（先着順）（先着順）" not in html
    assert html.count("先着順") == 2  # the sale's own name, and the row that says how it is sold


@override_settings(TAKAMATSU_APP_STORE_URL="", TAKAMATSU_GOOGLE_PLAY_URL="")
def test_the_verification_page_says_where_the_app_is_or_that_it_is_not_out(resident):
    html = resident.get("/identity/verify/").content.decode()
    assert "アプリはまだ公開していません" in html


@override_settings(
    TAKAMATSU_APP_STORE_URL="https://apps.apple.com/jp/app/id0000000000",
    TAKAMATSU_GOOGLE_PLAY_URL="https://play.google.com/store/apps/details?id=jp.takamatsu.portal",
)
def test_the_verification_page_links_the_stores_when_the_app_is_out(resident):
    html = resident.get("/identity/verify/").content.decode()
    assert 'href="https://apps.apple.com/jp/app/id0000000000"' in html
    assert "https://play.google.com/store/apps/details?id=jp.takamatsu.portal" in html
    assert "アプリはまだ公開していません" not in html

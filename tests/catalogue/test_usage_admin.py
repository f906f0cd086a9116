"""The catalogue admin's usage page and CSV: who may see them, what they show."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from apps.catalogue.models import Procedure, ProcedureUsageDay
from apps.demo.services import DEMO_PASSWORD, DEMO_TOTP_SECRET
from apps.identity.constants import Role
from apps.identity.models import User
from apps.identity.services import role_groups_ensure, user_roles_set
from tests.identity.helpers import log_in_with_second_factor

from .factories import ProcedureFactory

pytestmark = pytest.mark.django_db

NOTHING = "ＺＺＱＸＪ"  # full-width Latin letters: found nowhere in the catalogue

USAGE_URL = "/admin/catalogue/procedure/usage/"
CSV_URL = "/admin/catalogue/procedure/usage.csv"


def _staff_with_second_factor(client, email: str, roles: list[Role]) -> None:
    role_groups_ensure()
    user = User.objects.create_user(email=email, password=DEMO_PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    user_roles_set(user=user, roles=roles)
    TOTP.activate(user, DEMO_TOTP_SECRET)
    log_in_with_second_factor(client, email)


def test_the_catalogue_admin_sees_the_figures_and_the_zero_result_queries(admin_client_mfa, client):
    p = Procedure.objects.filter(published=True).order_by("slug").first()
    for _ in range(3):
        client.get(p.get_absolute_url())
        client.get(f"/procedures/?q={NOTHING}")
    client.get("/procedures/?q=ゐゑゐゑ")

    response = admin_client_mfa.get(USAGE_URL)  # flushes first: the figures are up to this moment
    assert response.status_code == 200
    html = response.content.decode()
    assert "手続き一覧の利用状況" in html and p.title in html
    assert "zzqxj" in html and "ゐゑゐゑ" not in html
    summary = response.context["summary"]
    assert summary.days == 30 and summary.top[0].slug == p.slug and summary.top[0].views == 3
    assert (summary.searches, summary.zero_result_searches) == (4, 4)
    assert (
        'href="/admin/catalogue/procedure/usage/"'
        in admin_client_mfa.get("/admin/catalogue/procedure/").content.decode()
    )


@pytest.mark.parametrize(("days", "shown"), [("7", 7), ("90", 90), ("", 30), ("365", 30), ("x", 30)])
def test_the_period_is_chosen_from_7_30_or_90_days(admin_client_mfa, days, shown):
    response = admin_client_mfa.get(USAGE_URL, {"days": days})
    assert response.status_code == 200 and response.context["summary"].days == shown
    assert f'value="{shown}" checked' in response.content.decode()


def test_the_page_is_in_english_under_en(admin_client_mfa):
    html = admin_client_mfa.get("/en" + USAGE_URL).content.decode()
    assert "Catalogue usage" in html and "Searches" in html


def test_the_csv_has_every_published_procedure_with_its_figures_and_a_bom(admin_client_mfa):
    p = ProcedureFactory(title="CSV確認用の手続き")
    ProcedureUsageDay.objects.create(procedure=p, day=timezone.localdate(), views=7, counter_forms=1)
    response = admin_client_mfa.get(CSV_URL, {"days": "7"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="procedure-usage-')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["slug"] == p.slug and rows[0]["title"] == "CSV確認用の手続き"
    assert (rows[0]["views"], rows[0]["counter_forms"], rows[0]["published"]) == ("7", "1", "true")
    assert len(rows) == Procedure.objects.filter(published=True).count()
    assert {r["from"] for r in rows} == {str(timezone.localdate() - dt.timedelta(days=6))}


def test_a_title_that_a_spreadsheet_would_run_is_kept_as_text(admin_client_mfa):
    """Titles come from imported CSV/XLSX files: one must not become a formula in the admin's Excel."""
    p = ProcedureFactory(title='=HYPERLINK("http://evil")')
    ProcedureUsageDay.objects.create(procedure=p, day=timezone.localdate(), views=1)
    body = admin_client_mfa.get(CSV_URL, {"days": "7"}).content.decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(body)) if r["slug"] == p.slug)
    assert row["title"] == '\'=HYPERLINK("http://evil")'


@pytest.mark.parametrize("url", [USAGE_URL, CSV_URL])
def test_anonymous_visitors_and_residents_are_sent_to_sign_in(client, django_user_model, url):
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    resident = django_user_model.objects.create_user(email="resident@example.jp", password="x" * 12)
    client.force_login(resident)
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("url", [USAGE_URL, CSV_URL])
def test_staff_who_cannot_edit_the_catalogue_get_403(client, url):
    _staff_with_second_factor(client, "operator@example.jp", [Role.WALLET_OPERATOR])
    assert client.get("/admin/").status_code == 200  # signed in to the admin, with a second factor
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [USAGE_URL, CSV_URL])
def test_the_usage_pages_refuse_other_methods(admin_client_mfa, url):
    assert admin_client_mfa.post(url).status_code == 405

"""One second-factor rule for everything that shows a resident's data to staff, admins and merchants.

A role holder opens such a page, download or API answer only in a session where a second factor was used,
and only while the account still has one (SPEC §3.2, §5).
"""

from urllib.parse import quote

import pytest
from allauth.mfa.models import Authenticator

from apps.demo.services import demo_accounts_load
from apps.documents.constants import DocumentStatus
from apps.documents.models import Document
from apps.identity.models import User
from tests.counter.helpers import create

from .helpers import log_in_with_second_factor

pytestmark = pytest.mark.django_db

SETUP = "/accounts/2fa/totp/activate/"
USE = "/accounts/2fa/reauthenticate/"


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


def drop_second_factor(user) -> None:
    """The account loses its authenticators (removed before this rule, or by an administrator)."""
    Authenticator.objects.filter(user=user).delete()


@pytest.fixture
def printed_form(client, demo, django_capture_on_commit_callbacks) -> Document:
    """The official form a clerk printed at the desk, in a session with the second factor."""
    log_in_with_second_factor(client, "staff@example.jp")
    created = create(demo["resident"])
    client.post("/staff/counter/", {"code": created.short_code})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/counter/requests/{created.request.pk}/print/")
    document = Document.objects.get(kind="counter.official_form")
    assert response["Location"] == f"/documents/{document.pk}/"
    assert document.status == DocumentStatus.READY and document.owner == demo["staff"]
    return document


def _pages(document: Document) -> list[str]:
    return [f"/documents/{document.pk}/", f"/documents/{document.pk}/download/"]


def test_the_clerk_with_the_second_factor_downloads_the_printed_form(client, printed_form):
    response = client.get(f"/documents/{printed_form.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_a_clerk_whose_second_factor_is_gone_cannot_open_or_download_the_printed_form(
    client, demo, printed_form
):
    drop_second_factor(demo["staff"])
    for url in _pages(printed_form):
        response = client.get(url)
        assert response.status_code == 302, url
        assert SETUP in response["Location"], response["Location"]
        assert f"next={quote(url, safe='')}" in response["Location"]  # back to the form after setting up


def test_a_clerk_in_a_password_only_session_must_use_the_second_factor_for_the_printed_form(
    client, demo, printed_form
):
    client.logout()
    client.force_login(demo["staff"])  # password only: the TOTP was not used in this session
    for url in _pages(printed_form):
        response = client.get(url)
        assert response.status_code == 302, url
        assert USE in response["Location"], response["Location"]


def test_a_clerk_whose_second_factor_is_gone_is_refused_by_the_staff_api(client, demo):
    created = create(demo["resident"])
    log_in_with_second_factor(client, "staff@example.jp")
    assert client.get(f"/api/v1/counter/requests/{created.token}").status_code == 200
    drop_second_factor(demo["staff"])
    response = client.get(f"/api/v1/counter/requests/{created.token}")
    assert response.status_code == 403
    assert response.json()["error"] == "second_factor_required"


def test_a_merchant_statement_downloads_only_with_the_second_factor(
    client, demo, django_capture_on_commit_callbacks
):
    from apps.wallet import statements
    from apps.wallet.models import Merchant

    with django_capture_on_commit_callbacks(execute=True):
        document = statements.statement_request(
            user=demo["shop"], month="2025-01", merchant=Merchant.objects.get(owner=demo["shop"])
        )
    client.force_login(demo["shop"])
    for url in _pages(document):
        assert client.get(url)["Location"].startswith(USE), url
    client.logout()
    log_in_with_second_factor(client, "shop@example.jp")
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200


def test_a_resident_s_own_documents_need_no_second_factor(client, demo, django_capture_on_commit_callbacks):
    from apps.wallet import statements

    with django_capture_on_commit_callbacks(execute=True):
        document = statements.statement_request(user=demo["resident"], month="2025-01")
    client.force_login(demo["resident"])
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200


# Every page that shows residents' data to a role: the desk and its queue, the shop's pages, the wallet
# operator's pages, the admin and its usage figures.
ROLE_PAGES = [
    ("staff", "/staff/counter/queue/"),
    ("staff", "/staff/counter/dashboard/"),
    ("shop", "/merchant/"),
    ("shop", "/merchant/statements/"),
    ("admin", "/operator/campaigns/"),
    ("admin", "/operator/settlements/"),
    ("admin", "/admin/"),
    ("admin", "/admin/catalogue/procedure/usage/"),
    ("admin", "/en/admin/notifications/delivery/"),
]


@pytest.mark.parametrize(("who", "path"), ROLE_PAGES)
def test_a_role_holder_whose_second_factor_is_gone_must_set_one_up_first(client, demo, who, path):
    log_in_with_second_factor(client, f"{who}@example.jp")
    assert client.get(path).status_code == 200
    drop_second_factor(demo[who])
    response = client.get(path)
    assert response.status_code == 302 and SETUP in response["Location"]


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("staff", "/staff/counter/"),
        ("staff", "/staff/counter/queue/"),
        ("shop", "/merchant/"),
        ("shop", "/merchant/statements/"),
        ("admin", "/operator/campaigns/"),
        ("admin", "/operator/merchants/"),
    ],
)
def test_the_role_pages_keep_the_rule_themselves_without_the_path_list(client, settings, demo, who, path):
    """The desk, shop and operator views require the second factor themselves, not only through the
    middleware's list of path prefixes (a page mounted elsewhere must not lose it)."""
    settings.TAKAMATSU_STRONG_AUTH_PREFIXES = []
    client.force_login(demo[who])
    response = client.get(path)
    assert response.status_code == 302 and USE in response["Location"]


def test_a_resident_is_still_refused_the_role_pages_not_asked_for_a_second_factor(client, settings, demo):
    settings.TAKAMATSU_STRONG_AUTH_PREFIXES = []
    client.force_login(demo["resident"])
    for path in ("/staff/counter/", "/merchant/", "/operator/campaigns/"):
        assert client.get(path).status_code == 403, path

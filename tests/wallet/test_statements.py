"""Monthly statements as PDF: what the resident and the shop read in them, and only their own."""

import datetime as dt
import re
import shutil
import subprocess

import pytest
import time_machine
from django.utils import timezone

from apps.demo.services import demo_accounts_load
from apps.documents.constants import DocumentStatus
from apps.documents.models import Document
from apps.documents.services import document_render
from apps.identity.models import User
from apps.wallet import expiry, services, settlements, statements
from apps.wallet.models import Account, Merchant
from tests.identity.helpers import log_in_with_second_factor

from ..conftest import missing

pytestmark = pytest.mark.django_db


@pytest.fixture
def poppler():
    if not shutil.which("pdftotext"):
        missing("poppler-utils (pdftotext)")


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


def text_of(document: Document) -> str:
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY, document.error
    out = subprocess.run(
        ["pdftotext", "-raw", document.file.path, "-"], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r"[\s\u3000]+", " ", out)


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def test_the_resident_statement_lists_the_month_with_running_balance_and_expiring_points(
    demo, poppler, django_capture_on_commit_callbacks
):
    resident = demo["resident"]  # 3000 points from the demo data, this month
    first_of_month = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    with time_machine.travel(first_of_month - dt.timedelta(days=3)):
        services.points_award(user=resident, amount=111, idempotency_key="award-last-month")
    services.payment_create(
        user=resident, merchant_code="demo-udon", amount=480, idempotency_key="pay-stmt-1"
    )
    services.points_award(
        user=resident, amount=250, idempotency_key="award-stmt-2", expires_at=services.lot_expiry(days=20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        document = statements.statement_request(user=resident, month=this_month())
    text = text_of(document)
    assert "ポイント利用明細書" in text
    assert "前月末の残高: 111" in text  # the award moved to last month is the opening balance
    assert "支払い Demo Udon -480 2,631" in text  # kind, counterparty, amount, running balance
    assert "ポイント付与" in text and "+250 2,881" in text
    assert "当月末の残高: 2,881" in text
    assert "有効期限の近いポイント" in text
    expiring_day = timezone.localdate(services.lot_expiry(days=20)).isoformat()
    assert f"{expiring_day} 250" in text
    assert document.owner == resident


def test_the_merchant_statement_has_payments_refunds_and_settlements(
    demo, poppler, django_capture_on_commit_callbacks
):
    shop = Merchant.objects.get(code="demo-udon")
    Merchant.objects.filter(pk=shop.pk).update(
        bank_code="0173", branch_code="101", account_type="ordinary", account_number="7654321",
        account_holder="カ)デモウドン",
    )  # fmt: skip
    pay = services.payment_create(
        user=demo["resident"], merchant_code="demo-udon", amount=900, idempotency_key="pay-merchant-1"
    )
    services.payment_refund(
        merchant=shop, payment_id=pay.transaction.pk, amount=200, idempotency_key="refund-m-1"
    )
    settlements.settlement_run()
    with django_capture_on_commit_callbacks(execute=True):
        document = statements.statement_request(user=demo["shop"], month=this_month(), merchant=shop)
    text = text_of(document)
    assert "取引明細書" in text and "Demo Udon（demo-udon）" in text
    assert "支払い 1 900" in text and "返金 1 -200" in text and "精算 1 -700" in text
    assert "当月末の残高: 0" in text
    assert "有効期限の近いポイント" not in text


def test_a_statement_never_shows_another_person_s_wallet(demo):
    resident, newcomer = demo["resident"], demo["newcomer"]
    services.resident_account(user=newcomer)
    forged = Document.objects.create(
        owner=newcomer,
        kind=statements.KIND,
        params={"month": this_month(), "role": "resident", "account": Account.objects.get(owner=resident).pk},
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    document_render(pk=forged.pk)
    forged.refresh_from_db()
    assert forged.status != DocumentStatus.READY and not forged.file
    shop_forged = Document.objects.create(
        owner=newcomer,
        kind=statements.KIND,
        params={
            "month": this_month(),
            "role": "merchant",
            "account": Account.objects.get(merchant__code="demo-udon").pk,
        },
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    document_render(pk=shop_forged.pk)
    shop_forged.refresh_from_db()
    assert shop_forged.status != DocumentStatus.READY and not shop_forged.file
    with pytest.raises(services.WalletError):
        statements.statement_request(user=newcomer, month=this_month(), merchant=Merchant.objects.get())


def test_residents_ask_for_a_month_and_only_the_owner_downloads(
    client, demo, django_capture_on_commit_callbacks
):
    client.force_login(demo["resident"])
    page = client.get("/wallet/statements/").content.decode()
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    assert f'value="{last_month}" selected' in page  # the last complete month by default
    assert "ポイントの利用明細書" in page
    bad = client.post("/wallet/statements/", {"month": "1999-01"})
    assert bad.status_code == 400 and "対象の月を一覧から選んでください。" in bad.content.decode()
    assert not Document.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/wallet/statements/", {"month": this_month()})
    document = Document.objects.get()
    assert response["Location"] == f"/documents/{document.pk}/"
    assert document.params == {
        "month": this_month(),
        "role": "resident",
        "account": Account.objects.get(owner=demo["resident"]).pk,
    }
    download = client.get(f"/documents/{document.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert (
        "ポイント利用明細" in download["Content-Disposition"]
        or "filename*" in download["Content-Disposition"]
    )
    client.force_login(demo["newcomer"])
    assert client.get(f"/documents/{document.pk}/download/").status_code == 404
    client.logout()
    assert client.get("/wallet/statements/")["Location"].startswith("/accounts/login/")


def test_merchants_ask_for_their_statement_behind_the_second_factor(
    client, demo, django_capture_on_commit_callbacks
):
    client.force_login(demo["resident"])
    assert client.get("/merchant/statements/").status_code == 403  # not a shop
    client.force_login(demo["shop"])
    assert client.get("/merchant/statements/").status_code == 302  # no second factor in this session
    client.logout()
    log_in_with_second_factor(client, "shop@example.jp")
    assert "取引明細書" in client.get("/merchant/statements/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/merchant/statements/", {"month": this_month()})
    document = Document.objects.get()
    assert document.params["role"] == "merchant" and document.owner == demo["shop"]
    assert document.status == DocumentStatus.READY
    assert "/merchant/statements/" in client.get("/merchant/").content.decode()


def test_the_wallet_page_links_to_statements_and_shows_expiring_points(client, demo):
    client.force_login(demo["resident"])
    html = client.get("/wallet/").content.decode()
    assert "/wallet/statements/" in html
    assert "30日以内に有効期限が切れるポイント" not in html  # the demo points last a year
    services.points_award(
        user=demo["resident"],
        amount=77,
        idempotency_key="award-page-1",
        expires_at=services.lot_expiry(days=3),
    )
    assert "30日以内に有効期限が切れるポイント" in client.get("/wallet/").content.decode()
    assert expiry.points_expire() == 0

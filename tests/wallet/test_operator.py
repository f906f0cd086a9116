"""The wallet operator: merchant onboarding (validated, invited, role given) and settlements (CSV export)."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.identity.constants import Role
from apps.identity.models import User
from apps.notifications.models import Notification
from apps.wallet import services, settlements
from apps.wallet.constants import AccountKind, TransactionKind
from apps.wallet.models import Account, Merchant, Settlement, Transaction
from tests.identity.factories import UserFactory

from .test_concurrency import run_at_once

pytestmark = pytest.mark.django_db

VALID = {
    "name": "うどん本陣 瓦町店",
    "code": "honjin-kawaramachi",
    "address": "香川県高松市常磐町1-1",
    "contact_email": "info@honjin.example.jp",
    "owner_email": "owner@honjin.example.jp",
    "bank_code": "0173",
    "branch_code": "101",
    "account_type": "ordinary",
    "account_number": "1234567",
    "account_holder": "カ）ウドンホンジン",
}
BANK = {
    "bank_code": "0173",
    "branch_code": "101",
    "account_type": "ordinary",
    "account_number": "7654321",
    "account_holder": "カ)デモウドン",
}


def shop_with_balance(code: str, amount: int, *, bank: bool = True, name: str | None = None) -> Merchant:
    merchant = Merchant.objects.create(
        code=code, name=name or code.title(), owner=UserFactory(), **(BANK if bank else {})
    )
    services.merchant_account(merchant=merchant)
    if amount:
        payer = UserFactory()
        services.points_award(user=payer, amount=amount, idempotency_key=f"award-for-{code}")
        services.payment_create(
            user=payer, merchant_code=code, amount=amount, idempotency_key=f"pay-to-{code}"
        )
    return merchant


# --- access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/operator/merchants/",
        "/operator/merchants/new/",
        "/operator/settlements/",
        "/operator/settlements.csv",
    ],
)
def test_operator_pages_need_the_operator_role_and_a_second_factor(client, path):
    assert client.get(path)["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory())
    assert client.get(path).status_code == 403  # a resident
    operator = UserFactory()
    operator.groups.add(Group.objects.get_or_create(name=Role.WALLET_OPERATOR.value)[0])
    client.force_login(operator)
    response = client.get(path)  # the operator without a second factor in this session
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_the_operator_with_a_second_factor_sees_the_merchants(admin_client_mfa):
    html = admin_client_mfa.get("/operator/merchants/").content.decode()
    assert "加盟店の管理" in html and "Demo Udon" in html and "口座情報が未登録" not in html
    Merchant.objects.filter(code="demo-udon").update(bank_code="")
    html = admin_client_mfa.get("/operator/merchants/").content.decode()
    assert "口座情報が未登録" in html


# --- onboarding -------------------------------------------------------------------------------------


def test_onboarding_creates_the_owner_invites_them_and_opens_the_ledger_account(admin_client_mfa):
    response = admin_client_mfa.post("/operator/merchants/new/", VALID)
    assert response.status_code == 302 and response["Location"] == "/operator/merchants/"
    merchant = Merchant.objects.get(code="honjin-kawaramachi")
    owner = merchant.owner
    assert owner.email == "owner@honjin.example.jp" and not owner.has_usable_password()
    assert owner.groups.filter(name=Role.MERCHANT.value).exists()
    assert merchant.onboarded_by == User.objects.get(email="admin@example.jp")
    assert Account.objects.get(merchant=merchant).kind == AccountKind.MERCHANT
    assert (merchant.bank_code, merchant.branch_code, merchant.account_number) == ("0173", "101", "1234567")
    invitation = Notification.objects.get(recipient=owner, event="account.password_reset_key")
    assert "/accounts/password/reset/key/" in invitation.rendered["text"]
    assert Notification.objects.filter(recipient=owner, event="wallet.merchant_onboarded").count() == 1
    # The shop can be paid at once.
    payer = UserFactory()
    services.points_award(user=payer, amount=100, idempotency_key="award-new-shop")
    services.payment_create(
        user=payer, merchant_code=merchant.code, amount=100, idempotency_key="pay-new-shop"
    )
    assert Account.objects.get(merchant=merchant).balance == 100


def test_the_invitation_link_lets_the_new_owner_choose_a_password(admin_client_mfa, client):
    import re

    admin_client_mfa.post("/operator/merchants/new/", VALID)
    text = Notification.objects.get(event="account.password_reset_key").rendered["text"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", text).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "udon-shop-passw0rd!", "password2": "udon-shop-passw0rd!"},
    )
    assert done.status_code == 302
    assert User.objects.get(email="owner@honjin.example.jp").check_password("udon-shop-passw0rd!")


def test_an_existing_account_becomes_the_owner_without_an_invitation(admin_client_mfa):
    resident = User.objects.get(email="resident@example.jp")
    admin_client_mfa.post("/operator/merchants/new/", {**VALID, "owner_email": "Resident@example.jp"})
    merchant = Merchant.objects.get(code="honjin-kawaramachi")
    assert merchant.owner == resident and resident.has_usable_password()
    assert resident.groups.filter(name=Role.MERCHANT.value).exists()
    assert resident.groups.filter(name=Role.RESIDENT.value).exists()  # roles are added, not replaced
    assert not Notification.objects.filter(event="account.password_reset_key").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bank_code", "12a4", "金融機関コードは数字4桁で入力してください。"),
        ("bank_code", "12345", "金融機関コードは数字4桁で入力してください。"),
        ("branch_code", "12", "支店コードは数字3桁で入力してください。"),
        ("account_number", "12345678", "口座番号は数字7桁で入力してください。"),
        ("account_holder", "山田太郎", "口座名義はカタカナ"),
        ("code", "Demo Udon!", "加盟店コードは半角英小文字・数字・ハイフン"),
        ("code", "demo-udon", "この加盟店コードはすでに使われています。"),
        ("code", "new", "加盟店コードは半角英小文字・数字・ハイフン"),
        ("owner_email", "not-an-address", "有効なメールアドレスを入力してください。"),
        ("name", "", "このフィールドは必須です。"),
        ("name", "店 123456789018", "個人番号"),
    ],
)
def test_bad_input_shows_a_japanese_error_and_changes_nothing(admin_client_mfa, field, value, message):
    from apps.core.mynumber import check_digit

    if value == "店 123456789018":
        value = "店 12345678901" + str(check_digit("12345678901"))
    merchants_before, users_before = Merchant.objects.count(), User.objects.count()
    response = admin_client_mfa.post("/operator/merchants/new/", {**VALID, field: value})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html and "登録・変更はまだ行っていません" in html
    assert (Merchant.objects.count(), User.objects.count()) == (merchants_before, users_before)
    assert not Notification.objects.filter(event="account.password_reset_key").exists()


def test_digits_and_kana_are_normalised_as_people_type_them(admin_client_mfa):
    admin_client_mfa.post(
        "/operator/merchants/new/",
        {**VALID, "bank_code": "０１７３", "branch_code": "1 0 1", "account_number": "4567",
         "account_holder": "ｶ)ﾃﾞﾓｳﾄﾞﾝ"},
    )  # fmt: skip
    merchant = Merchant.objects.get(code="honjin-kawaramachi")
    assert (merchant.bank_code, merchant.branch_code) == ("0173", "101")
    assert merchant.account_number == "0004567" and merchant.account_holder == "カ)デモウドン"


def test_the_operator_edits_bank_details_but_not_the_code(admin_client_mfa):
    page = admin_client_mfa.get("/operator/merchants/demo-udon/")
    assert page.status_code == 200 and 'name="code"' not in page.content.decode()
    data = {
        "name": "Demo Udon",
        "address": "香川県高松市番町1-8-15",
        "contact_email": "shop@example.jp",
        **BANK,
    }
    bad = admin_client_mfa.post("/operator/merchants/demo-udon/", {**data, "branch_code": "99x"})
    assert bad.status_code == 400 and "支店コードは数字3桁で入力してください。" in bad.content.decode()
    assert Merchant.objects.get(code="demo-udon").branch_code == "001"  # the demo's, unchanged
    ok = admin_client_mfa.post("/operator/merchants/demo-udon/", {**data, "code": "hijacked"})
    assert ok.status_code == 302
    merchant = Merchant.objects.get(code="demo-udon")
    assert merchant.account_number == "7654321" and merchant.address == "香川県高松市番町1-8-15"
    assert admin_client_mfa.get("/operator/merchants/no-such-shop/").status_code == 404


def test_a_deactivated_shop_takes_no_payments_and_its_owner_loses_the_role(admin_client_mfa):
    owner = User.objects.get(email="shop@example.jp")
    assert admin_client_mfa.get("/operator/merchants/demo-udon/active/").status_code == 405
    admin_client_mfa.post("/operator/merchants/demo-udon/active/", {"active": "0"})
    assert not Merchant.objects.get(code="demo-udon").active
    assert not owner.groups.filter(name=Role.MERCHANT.value).exists()
    resident = User.objects.get(email="resident@example.jp")
    with pytest.raises(services.WalletError) as err:
        services.payment_create(
            user=resident, merchant_code="demo-udon", amount=10, idempotency_key="pay-closed"
        )
    assert err.value.code == "unknown_merchant"
    admin_client_mfa.post("/operator/merchants/demo-udon/active/", {"active": "1"})
    assert Merchant.objects.get(code="demo-udon").active
    assert owner.groups.filter(name=Role.MERCHANT.value).exists()


# --- settlements ------------------------------------------------------------------------------------


def test_a_run_settles_each_shop_s_balance_once_per_day(db):
    a, b = shop_with_balance("shop-a", 1200), shop_with_balance("shop-b", 345)
    no_bank = shop_with_balance("shop-c", 99, bank=False)
    shop_with_balance("shop-d", 0)
    operator = UserFactory()
    run = settlements.settlement_run(operator=operator)
    assert {(s.merchant.code, s.amount) for s in run.settled} == {("shop-a", 1200), ("shop-b", 345)}
    assert run.no_bank_details == [no_bank] and run.total == 1545
    assert Account.objects.get(merchant=a).balance == 0 and Account.objects.get(merchant=b).balance == 0
    assert Account.objects.get(merchant=no_bank).balance == 99
    assert Account.objects.get(system_code=AccountKind.SETTLEMENT).balance == 1545
    assert Settlement.objects.get(merchant=a).created_by == operator
    assert Transaction.objects.filter(kind=TransactionKind.SETTLEMENT).count() == 2
    assert services.wallet_reconcile() == []

    # A payment after the run: the same day's run again settles nothing, the next day's settles it.
    payer = UserFactory()
    services.points_award(user=payer, amount=50, idempotency_key="award-late-pay")
    services.payment_create(user=payer, merchant_code="shop-a", amount=50, idempotency_key="pay-late-to-a")
    again = settlements.settlement_run(operator=operator)
    assert again.settled == [] and again.already == [a]
    assert Settlement.objects.count() == 2
    tomorrow = settlements.settlement_run(
        operator=operator, run_date=timezone.localdate() + dt.timedelta(days=1)
    )
    assert [(s.merchant, s.amount) for s in tomorrow.settled] == [(a, 50)]
    assert services.wallet_reconcile() == []


def test_the_settlement_page_runs_and_lists(admin_client_mfa):
    shop_with_balance("shop-a", 500, name="Shop A")
    response = admin_client_mfa.post("/operator/settlements/", follow=True)
    html = response.content.decode()
    assert "1 件、合計 500 ポイントを精算しました。" in html
    assert "口座情報が未登録のため精算していません" not in html  # Demo Udon has no balance
    assert "Shop A" in html
    assert Settlement.objects.count() == 1
    assert admin_client_mfa.delete("/operator/settlements/").status_code == 405


def test_the_csv_export_is_utf8_with_bom_and_filtered_by_date(admin_client_mfa):
    shop_with_balance("shop-a", 700, name='=HYPERLINK("http://evil")')
    shop_with_balance("shop-b", 300, name="讃岐うどん")
    settlements.settlement_run()
    old = Settlement.objects.get(merchant__code="shop-b")
    Settlement.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    response = admin_client_mfa.get("/operator/settlements.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == list(settlements.CSV_COLUMNS)
    by_code = {row[2]: row for row in rows[1:]}
    assert set(by_code) == {"shop-a", "shop-b"}
    a = by_code["shop-a"]
    assert a[1] == timezone.localdate().isoformat()
    assert a[3] == '\'=HYPERLINK("http://evil")'  # no formula in the city's spreadsheet
    assert a[4:] == ["0173", "101", "普通", "7654321", "カ)デモウドン", "700"]
    assert by_code["shop-b"][3] == "讃岐うどん"

    today = timezone.localdate().isoformat()
    recent = admin_client_mfa.get("/operator/settlements.csv", {"from": today, "to": today})
    assert [row[2] for row in csv.reader(io.StringIO(recent.content.decode("utf-8-sig")))][1:] == ["shop-a"]

    bad = admin_client_mfa.get("/operator/settlements.csv", {"from": "2025-13-01"})
    assert bad.status_code == 400 and "日付は 2025-04-01 の形で入力してください。" in bad.content.decode()
    reversed_ = admin_client_mfa.get("/operator/settlements.csv", {"from": today, "to": "2000-01-01"})
    assert (
        reversed_.status_code == 400
        and "開始日は終了日より前の日付にしてください。" in reversed_.content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_settlement_runs_and_payments_at_once_settle_each_point_once(postgres):
    merchant = shop_with_balance("busy-shop", 0)
    payers = [UserFactory() for _ in range(12)]
    for i, payer in enumerate(payers):
        services.points_award(user=payer, amount=10, idempotency_key=f"award-busy-{i:02d}")

    def act(i):
        if i % 4 == 0:
            return settlements.settlement_run(run_date=timezone.localdate() + dt.timedelta(days=i))
        if i % 4 == 1:
            return settlements.settlement_run()  # same date: at most one of these settles
        payer = payers[i % len(payers)]
        return services.payment_create(
            user=payer, merchant_code="busy-shop", amount=10, idempotency_key=f"pay-busy-{i:02d}"
        )

    results = run_at_once(24, act, workers=24)
    paid = sum(10 for r in results if isinstance(r, services.PaymentResult))
    settled = sum(s.amount for s in Settlement.objects.filter(merchant=merchant))
    assert settled + Account.objects.get(merchant=merchant).balance == paid
    today_keys = Transaction.objects.filter(idempotency_key=f"settlement:busy-shop:{timezone.localdate()}")
    assert today_keys.count() <= 1
    assert services.wallet_reconcile() == []

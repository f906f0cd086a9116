"""Vouchers in the browser (SPEC §3.4): a resident wins the lottery, pays in the sandbox and spends the
voucher; a payment that arrives too late is refunded by the operator and the resident sees it."""

import datetime as dt
import re

from django.db.models import F
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.demo.services import DEMO_PASSWORD, demo_accounts_load
from apps.identity.models import User
from apps.wallet import vouchers
from apps.wallet.constants import LotSource
from apps.wallet.models import Account, Lot, VoucherReservation, VoucherSale

from .conftest import assert_accessible, log_in_with_totp
from .test_identity_journeys import log_in

LOTTERY = "高松市プレミアム付きデジタル商品券（抽選）"


def test_a_resident_wins_the_voucher_lottery_pays_in_the_sandbox_and_spends_it(
    phone: Page, desktop: Page, live_server, transactional_db
):
    demo_accounts_load()
    log_in(phone, "resident@example.jp", DEMO_PASSWORD)
    phone.goto("/wallet/")
    assert_accessible(phone)
    phone.get_by_role("link", name="プレミアム付きデジタル商品券").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("プレミアム付きデジタル商品券")
    assert_accessible(phone)
    phone.get_by_role("link", name=LOTTERY).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(LOTTERY)
    assert_accessible(phone)
    phone.get_by_label("冊数").fill("1")
    phone.get_by_role("button", name="確認する").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("内容の確認")
    assert_accessible(phone)
    phone.get_by_role("button", name="申し込む").click()
    expect(phone.locator(".message-success")).to_contain_text("抽選に申し込みました")
    expect(phone.locator(".voucher-sale").filter(has_text=LOTTERY)).to_contain_text("申込済み")
    assert_accessible(phone)

    # The application window ends; the wallet operator draws on the operator page.
    VoucherSale.objects.filter(code="demo-lottery").update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    log_in_with_totp(desktop, "admin@example.jp", next_path="/operator/vouchers/")
    desktop.goto("/operator/vouchers/")
    expect(desktop.get_by_role("heading", level=1)).to_have_text("商品券の運用")
    assert_accessible(desktop)
    desktop.get_by_role("button", name=f"{LOTTERY} を抽選する").click()
    expect(desktop.locator(".message-success")).to_contain_text("抽選しました（当選 1 人、落選 0 人")
    assert_accessible(desktop)
    assert re.fullmatch(r"[0-9a-f]{64}", VoucherSale.objects.get(code="demo-lottery").draw_seed)

    # The resident is told in the inbox and follows the notice to pay.
    phone.goto("/notifications/")
    assert_accessible(phone)
    phone.get_by_role("link", name=f"{LOTTERY} の抽選に当選しました").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("商品券の購入")
    expect(phone.locator("#reservation-status")).to_have_text("支払い待ち")
    assert_accessible(phone)
    phone.get_by_label("オンライン決済（テスト環境）").check()
    phone.get_by_role("button", name="支払いへ進む").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("カード決済（テスト環境）")
    expect(phone.locator(".big-amount")).to_contain_text("10,000")
    assert_accessible(phone)
    phone.get_by_role("button", name="支払う", exact=True).click()
    expect(phone.locator(".paid")).to_contain_text("購入が完了しました")
    expect(phone.locator(".paid-amount")).to_contain_text("13,000")
    assert_accessible(phone)

    resident = Account.objects.get(owner__email="resident@example.jp")
    assert resident.balance == 3000 + 13000
    voucher = Lot.objects.get(account=resident, source=LotSource.VOUCHER)
    assert voucher.expires_at == VoucherSale.objects.get(code="demo-lottery").valid_until

    # Spending at Demo Udon takes the voucher first: it expires before the welcome points.
    phone.goto("/wallet/pay/demo-udon/")
    assert_accessible(phone)
    phone.get_by_label("支払う金額（ポイント）").fill("4500")
    phone.get_by_role("button", name="確認する").click()
    phone.get_by_role("button", name="支払う").click()
    expect(phone.locator(".paid-amount")).to_contain_text("4,500")
    assert_accessible(phone)
    voucher.refresh_from_db()
    assert voucher.remaining == 13000 - 4500
    assert Account.objects.get(pk=resident.pk).balance == 16000 - 4500


def test_a_counter_payment_after_the_deadline_and_sold_out_is_refunded_and_the_resident_sees_it(
    phone: Page, desktop: Page, live_server, transactional_db
):
    demo_accounts_load()
    sale = VoucherSale.objects.get(code="demo-first-come")
    resident = User.objects.get(email="resident@example.jp")
    reservation = vouchers.voucher_reserve(user=resident, sale=sale, units=1, idempotency_key="e2e-late-01")
    reservation, _ = vouchers.voucher_payment_start(
        user=resident, reservation_id=reservation.pk, method="counter"
    )
    # The deadline passes, the sweep gives the unit back, and others buy the rest of the stock.
    VoucherReservation.objects.filter(pk=reservation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert vouchers.voucher_reservations_expire() == 1
    VoucherSale.objects.filter(pk=sale.pk).update(reserved=F("stock"))

    # The resident paid at a convenience store anyway; the operator confirms the payment number.
    log_in_with_totp(desktop, "admin@example.jp", next_path="/operator/vouchers/")
    desktop.goto("/operator/vouchers/")
    desktop.get_by_role("textbox", name=re.compile("^支払い番号（12桁）")).fill(reservation.provider_ref)
    desktop.get_by_role("button", name="入金を確認する").click()
    expect(desktop.locator(".message-warning")).to_contain_text("商品券はお渡しできません")
    expect(desktop.locator("#refunds-due")).to_contain_text(reservation.provider_ref)
    assert_accessible(desktop)

    log_in(phone, "resident@example.jp", DEMO_PASSWORD)
    phone.goto(f"/wallet/vouchers/reservations/{reservation.pk}/")
    expect(phone.locator("#reservation-status")).to_have_text("返金待ち")
    expect(phone.get_by_role("heading", name="お支払いは返金します")).to_be_visible()
    assert_accessible(phone)

    desktop.get_by_role("button", name=re.compile("円を返金済みにする")).click()
    expect(desktop.locator(".message-success")).to_contain_text("返金を記録しました")
    expect(desktop.locator("#refunds-due")).to_have_count(0)
    phone.reload()
    expect(phone.locator("#reservation-status")).to_have_text("返金済み")
    expect(phone.get_by_role("heading", name="返金しました")).to_be_visible()
    assert_accessible(phone)
    assert Account.objects.get(owner=resident).balance == 3000  # no voucher credited

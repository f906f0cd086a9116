"""A resident pays Demo Udon by scanning the shop's QR code; the merchant sees the payment (SPEC §3.4)."""

import io
from urllib.parse import urlparse

import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from apps.demo.services import DEMO_PASSWORD, demo_accounts_load
from apps.wallet.models import Account

from .conftest import assert_accessible, log_in_with_totp
from .test_identity_journeys import log_in


def test_a_resident_pays_demo_udon_from_its_qr_code(
    phone: Page, browser: Browser, live_server, transactional_db
):
    demo_accounts_load()
    shop = browser.new_context(base_url=live_server.url, locale="ja-JP")
    till = shop.new_page()
    log_in_with_totp(till, "shop@example.jp", next_path="/merchant/")
    till.goto("/merchant/")
    expect(till.get_by_role("heading", level=1)).to_have_text("Demo Udon")
    assert_accessible(till)
    png = till.locator("figure.qr svg").screenshot()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert decoded, "the shop's QR code could not be decoded"
    pay_path = urlparse(decoded[0].text).path
    assert pay_path == "/wallet/pay/demo-udon/"

    log_in(phone, "resident@example.jp", DEMO_PASSWORD)
    phone.goto(pay_path)
    assert_accessible(phone)
    phone.get_by_label("支払う金額（ポイント）").fill("680")
    phone.get_by_role("button", name="確認する").click()
    expect(phone.locator(".big-amount")).to_contain_text("680")
    assert_accessible(phone)
    phone.get_by_role("button", name="支払う").click()
    expect(phone.locator(".paid")).to_contain_text("支払いが完了しました")
    expect(phone.locator(".paid-amount")).to_contain_text("680")
    assert_accessible(phone)

    # The till screen updates by itself (no reload): the payment appears within a few seconds.
    expect(till.locator("#payments")).to_contain_text("680", timeout=12000)
    assert Account.objects.get(merchant__code="demo-udon").balance == 680
    shop.close()

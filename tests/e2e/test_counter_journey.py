"""書かない窓口 end to end: a verified resident prepares each form on a phone, a clerk serves one at the desk."""

import io
import re
import shutil
import subprocess

import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from apps.counter.constants import FormKind
from apps.counter.models import CounterRequest
from apps.demo.services import DEMO_PASSWORD, demo_accounts_load
from tests.conftest import missing

from .conftest import assert_accessible, log_in_with_totp
from .test_identity_journeys import log_in

EXTRA = {
    "juminhyo": lambda page: page.get_by_label("住民票の写し（世帯全員） の通数").fill("1"),
    "inkan": lambda page: (
        page.get_by_label("印鑑登録証明書 の通数").fill("1"),
        page.get_by_label("印鑑登録証（カード）を持参します").check(),
    ),
    "koseki": lambda page: (
        page.get_by_label("戸籍全部事項証明書（謄本） の通数").fill("1"),
        page.get_by_label("本籍").fill("香川県高松市番町一丁目8番地"),
        page.get_by_label("筆頭者の氏名").fill("高松　太郎"),
    ),
    "zeishomei": lambda page: page.get_by_label("所得課税証明書 の通数").fill("1"),
}


def decode_qr(page: Page) -> str:
    png = page.locator("figure.qr svg").screenshot()
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code found in the page"
    return results[0].text


def create_request(phone: Page, kind: str) -> str:
    phone.goto("/counter/")
    phone.get_by_role("link", name=FormKind(kind).label).click()
    expect(phone.get_by_label("請求する人の氏名")).to_have_value("高松　太郎")  # from the verified card
    assert_accessible(phone)
    EXTRA[kind](phone)
    phone.get_by_label("提出先").fill("株式会社さぬき")
    phone.get_by_role("button", name="確認へ進む").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("内容の確認")
    assert_accessible(phone)
    phone.get_by_role("button", name="この内容で作成する").click()
    expect(phone).to_have_url(re.compile(r"/counter/requests/[0-9a-f-]+/$"))
    assert_accessible(phone)
    return decode_qr(phone)


def test_residents_prepare_forms_and_a_clerk_serves_them(
    phone: Page, browser: Browser, live_server, transactional_db, tmp_path
):
    demo_accounts_load()
    log_in(phone, "resident@example.jp", DEMO_PASSWORD)
    payloads = {kind: create_request(phone, kind) for kind in FormKind.values}
    assert all(p.startswith("TKMC1:") and "高松" not in p for p in payloads.values())
    juminhyo = CounterRequest.objects.get(form="juminhyo")
    juminhyo_page = phone.url if False else f"/counter/requests/{juminhyo.pk}/"

    context = browser.new_context(base_url=live_server.url, locale="ja-JP", accept_downloads=True)
    desk = context.new_page()
    log_in_with_totp(desk, "staff@example.jp", next_path="/staff/counter/")
    desk.goto("/staff/counter/")
    assert_accessible(desk)
    scan_input = desk.get_by_label("QRコードまたは受付番号")
    expect(scan_input).to_be_focused()
    scan_input.type(payloads["juminhyo"])  # a handheld scanner types, then presses Enter
    scan_input.press("Enter")
    expect(desk).to_have_url(re.compile(r"/staff/counter/requests/"))
    expect(desk.locator("main")).to_contain_text("高松　太郎")
    assert_accessible(desk)

    desk.get_by_label("訂正する項目").select_option("recipient")
    desk.get_by_label("正しい内容").fill("高松市役所 市民課")
    desk.get_by_label("訂正の理由").fill("提出先の書き間違い")
    desk.get_by_role("button", name="訂正する", exact=True).click()
    expect(desk.locator("main")).to_contain_text("提出先の書き間違い")

    desk.get_by_role("button", name="申請書（PDF）を作成して印刷する").click()
    link = desk.get_by_role("link", name=re.compile("ダウンロード"))
    expect(link).to_be_visible(timeout=20000)
    with desk.expect_download() as info:
        link.click()
    pdf = tmp_path / "form.pdf"
    info.value.save_as(pdf)
    if not shutil.which("pdftotext"):
        missing("poppler-utils (pdftotext)")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "高松" in text and "太郎" in text and "住民票の写し等交付請求書" in text.replace(" ", "")

    desk.go_back()
    desk.goto(f"/staff/counter/requests/{juminhyo.pk}/")
    desk.get_by_label("マイナンバーカード").check()
    desk.get_by_role("button", name="交付済みにする").click()
    expect(desk.locator("main")).to_contain_text("交付済みにしました")

    phone.goto(juminhyo_page)
    expect(phone.locator("main")).to_contain_text("交付済み")
    expect(phone.locator("main")).to_contain_text("申請書の印刷")
    expect(phone.locator("main")).to_contain_text("閲覧")
    assert_accessible(phone)
    context.close()

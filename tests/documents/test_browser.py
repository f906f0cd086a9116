"""A resident watches a document go from queued to ready in a real browser with JavaScript switched off.

Uses the browser helpers of tests/e2e (system Chromium; axe-core, which needs JavaScript, checks the same
pages in a second browser context).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from apps.documents import services
from apps.documents.models import Document
from tests.e2e.conftest import assert_accessible, open_page

from ..identity.factories import UserFactory
from .factories import DocumentFactory

pytestmark = pytest.mark.browser

FACTORY_PASSWORD = "takamatsu-test-pass"  # what tests/identity/factories.UserFactory sets


def _phone(browser: Browser, live_server, *, javascript: bool) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="ja-JP",
        java_script_enabled=javascript,
        accept_downloads=True,
    )
    with open_page(context) as page:
        yield page


@pytest.fixture
def phone_without_js(browser: Browser, live_server) -> Iterator[Page]:
    yield from _phone(browser, live_server, javascript=False)


@pytest.fixture
def phone(browser: Browser, live_server) -> Iterator[Page]:
    yield from _phone(browser, live_server, javascript=True)


def _log_in(page: Page, email: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(FACTORY_PASSWORD)
    page.locator("main").get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(next_url)}$"))


def test_the_status_page_turns_from_queued_to_ready_by_itself_and_offers_the_pdf(
    phone_without_js: Page, phone: Page, transactional_db
):
    resident = UserFactory()
    document = DocumentFactory(owner=resident)
    status_url = f"/documents/{document.pk}/"
    page = phone_without_js

    _log_in(page, resident.email, status_url)
    state = page.get_by_role("region", name="作成の状況").get_by_role("status")
    expect(state).to_contain_text("作成待ち")

    _log_in(phone, resident.email, f"{status_url}?refresh=off")  # axe needs a page that stays put
    expect(phone.get_by_role("link", name="自動更新を再開する")).to_be_visible()
    assert_accessible(phone)

    assert services.document_render(pk=document.pk) == services.RenderOutcome.READY
    # The page reloads itself (meta refresh, no script) and now offers the download.
    link = page.get_by_role("link", name="サンプル文書をダウンロード（PDF）")
    expect(link).to_be_visible(timeout=8_000)
    expect(state).to_contain_text("作成済み")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "sample.pdf"
    with open(download.path(), "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == Document.objects.get(pk=document.pk).checksum

    for url in (status_url, "/documents/"):
        phone.goto(url)
        expect(phone.get_by_role("link", name=re.compile("サンプル文書")).first).to_be_visible()
        assert_accessible(phone)

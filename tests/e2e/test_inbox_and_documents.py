"""A resident reads a notification in the inbox, marks it read and downloads a ready PDF (SPEC §3.5, §3.6)."""

import re
import shutil
import subprocess

from playwright.sync_api import Page, expect

from apps.notifications.models import Notification
from tests.conftest import missing
from tests.identity.factories import UserFactory

from .conftest import assert_accessible
from .test_identity_journeys import FACTORY_PASSWORD, choose_demo_card, log_in


def test_a_resident_reads_the_inbox_and_downloads_a_ready_pdf(phone: Page, transactional_db, tmp_path):
    user = UserFactory()
    log_in(phone, user.email, FACTORY_PASSWORD)
    phone.goto("/identity/verify/")
    choose_demo_card(phone, "takamatsu-resident")  # verification sends a notification
    expect(phone).to_have_url(re.compile(r"/profile/$"))

    badge = phone.locator("header .header-menu > summary .count-badge")  # seen without opening the menu
    expect(badge).to_contain_text("1")
    phone.locator("header .header-menu > summary").click()
    phone.locator("header .header-menu").get_by_role("link", name=re.compile("お知らせ")).click()
    expect(phone).to_have_url(re.compile(r"/notifications/$"))
    item = phone.locator(".inbox-item.unread")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("本人確認が完了しました")
    assert_accessible(phone)
    item.get_by_role("button", name=re.compile("既読にする")).click()
    expect(phone.locator(".inbox-item.unread")).to_have_count(0)
    expect(phone.locator("header .count-badge")).to_have_count(0)  # in the menu button and in the menu
    assert Notification.objects.get(recipient=user, event="identity.verified").read_at is not None

    phone.goto("/profile/")
    phone.get_by_role("button", name=re.compile("PDF で作成する")).click()
    expect(phone).to_have_url(re.compile(r"/documents/[0-9a-f-]+/$"))
    download_link = phone.get_by_role("link", name=re.compile("ダウンロード"))
    expect(download_link).to_be_visible(timeout=20000)  # the page refreshes itself until the PDF is ready
    assert_accessible(phone)
    with phone.expect_download() as info:
        download_link.click()
    pdf = tmp_path / "record.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        missing("poppler-utils (pdftotext)")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "高松" in text and "太郎" in text

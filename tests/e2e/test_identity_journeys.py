"""A resident signs up and verifies with a My Number card in a real browser (SPEC §3.2).

The demo cards are signed by the test CA that tests/conftest.py builds for this run, so the whole JPKI path
(challenge, signature, chain, CRL) runs; the OIDC journey goes to a real provider process on its own origin.
"""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import Page, Response, expect

from apps.identity.models import IdentityVerification, User, VerificationAttempt
from tests.identity.factories import UserFactory

from .conftest import assert_accessible

PASSWORD = "seto-inland-sea-42"
FACTORY_PASSWORD = "takamatsu-test-pass"  # what tests/identity/factories.UserFactory sets
VERIFIED = "マイナンバーカードで確認済みの高松市民"
NOT_VERIFIED = "まだ本人確認をしていません。"


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/accounts/login/?next=/identity/verify/")
    expect(page.locator("h1")).to_have_text("ログイン")
    assert_accessible(page)
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("main").get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/identity/verify/$"))


def choose_demo_card(page: Page, card: str) -> None:
    demo = page.get_by_role("region", name="デモ用カードを使う")
    demo.get_by_label("デモ用カード").select_option(card)
    keep = demo.get_by_role("checkbox")
    expect(keep).not_to_be_checked()  # keeping the 基本4情報 is opt-in: the resident ticks it
    keep.check()
    demo.get_by_role("button", name="デモ用カードで確認する").click()


def test_a_newcomer_signs_up_on_a_phone_and_becomes_a_verified_takamatsu_resident(
    phone: Page, live_server, transactional_db
):
    email = "seto.hanako@example.jp"
    phone.goto("/accounts/signup/")
    expect(phone.locator("h1")).to_have_text("ユーザー登録")
    assert_accessible(phone)
    phone.get_by_label("メールアドレス").fill(email)
    phone.locator("#id_password1").fill(PASSWORD)
    phone.locator("#id_password2").fill(PASSWORD)
    phone.locator("main form").get_by_role("button").click()
    expect(phone).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    assert_accessible(phone)  # "we sent you an e-mail" page

    user = User.objects.get(email=email)
    assert not user.emailaddress_set.get().verified
    to_this_resident = [m for m in mail.outbox if email in m.to]
    assert len(to_this_resident) == 1, [m.to for m in mail.outbox]
    link = re.search(r"https?://\S+?(/accounts/confirm-email/\S+)", to_this_resident[0].body)
    assert link, to_this_resident[0].body
    phone.goto(link.group(1))
    expect(phone.locator("h1")).to_be_visible()
    assert_accessible(phone)
    confirm_url = phone.url
    phone.locator("main form").get_by_role("button").click()
    expect(phone).not_to_have_url(confirm_url)
    assert user.emailaddress_set.get().verified

    phone.goto("/identity/verify/")
    if "/accounts/login/" in phone.url:  # allauth logs in on confirmation only in the same session
        log_in(phone, email, PASSWORD)
    expect(phone.locator("h1")).to_have_text("マイナンバーカードで本人確認")
    assert_accessible(phone)
    choose_demo_card(phone, "newcomer")

    expect(phone).to_have_url(f"{live_server.url}/profile/")
    expect(phone.locator(".status")).to_have_text(VERIFIED)
    kept = phone.get_by_role("table")
    expect(kept.get_by_role("row", name=re.compile("^氏名"))).to_contain_text("瀬戸　花子")
    expect(kept.get_by_role("row", name=re.compile("^住所"))).to_contain_text("香川県高松市")
    assert_accessible(phone)

    verification = IdentityVerification.objects.get(user=user)
    assert verification.method == "jpki" and verification.is_takamatsu_resident
    assert verification.basic_info_kept and verification.name == "瀬戸　花子"


def test_a_revoked_card_is_refused_and_the_profile_stays_unverified(phone: Page, transactional_db):
    user = UserFactory()
    log_in(phone, user.email, FACTORY_PASSWORD)
    assert_accessible(phone)
    choose_demo_card(phone, "revoked")

    expect(phone).to_have_url(re.compile(r"/identity/verify/$"))
    expect(phone.locator(".messages")).to_contain_text("certificate_revoked")
    assert_accessible(phone)  # with the error message shown

    phone.goto("/profile/")
    expect(phone.locator(".status")).to_have_text(NOT_VERIFIED)
    expect(phone.get_by_text(VERIFIED)).to_have_count(0)
    expect(phone.get_by_role("row", name=re.compile("^氏名"))).to_have_count(0)
    assert_accessible(phone)
    assert not IdentityVerification.objects.filter(user=user).exists()
    assert VerificationAttempt.objects.filter(user=user, result="certificate_revoked").exists()


def test_a_resident_verifies_with_the_digital_authentication_app_in_a_browser(
    desktop: Page, live_server, oidc_provider, transactional_db
):
    provider_pages: list[str] = []

    def on_response(response: Response) -> None:
        if response.url.startswith(oidc_provider.issuer) and response.request.is_navigation_request():
            provider_pages.append(response.url)

    desktop.on("response", on_response)
    user = UserFactory()
    log_in(desktop, user.email, FACTORY_PASSWORD)
    assert_accessible(desktop)

    app = desktop.get_by_role("region", name="デジタル認証アプリで確認する")
    expect(app.get_by_role("checkbox")).not_to_be_checked()  # opt-in, as on the demo card form
    app.get_by_role("checkbox").check()
    app.get_by_role("button", name="デジタル認証アプリで確認する").click()
    # The provider is a test peer standing in for the national app: its markup is not ours, so no axe here.
    expect(desktop).to_have_url(re.compile("^" + re.escape(f"{oidc_provider.issuer}/authorize?")))
    expect(desktop.locator("h1")).to_have_text("デジタル認証アプリ（テスト）")
    desktop.get_by_role("button", name="同意して提供する").click()

    expect(desktop).to_have_url(f"{live_server.url}/profile/")
    expect(desktop.locator(".status")).to_have_text(VERIFIED)
    expect(desktop.get_by_role("row", name=re.compile("^氏名"))).to_contain_text("瀬戸　花子")
    assert_accessible(desktop)

    assert any(url.startswith(f"{oidc_provider.issuer}/authorize?") for url in provider_pages)
    verification = IdentityVerification.objects.get(user=user)
    assert verification.method == "oidc" and verification.is_takamatsu_resident

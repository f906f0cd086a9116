"""Staff sign in with a security key (WebAuthn) instead of the authenticator app's code (SPEC §3.2).

Chromium's virtual authenticator (DevTools protocol, WebAuthn domain) plays the USB key: it makes a real key
pair and signs real assertions, so allauth and python-fido2 check a real attestation and real signatures
against the origin http://localhost (a secure context; an IP address cannot be a WebAuthn RP ID).
"""

import re

from allauth.mfa.models import Authenticator
from playwright.sync_api import CDPSession, Page, expect

from apps.demo.services import DEMO_PASSWORD, demo_accounts_load

from .conftest import assert_accessible, log_in_with_totp

STAFF = "staff@example.jp"


def plug_in_key(page: Page) -> tuple[CDPSession, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "usb",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    return cdp, cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]


def test_a_clerk_adds_a_security_key_and_signs_in_to_the_desk_with_it(
    desktop: Page, live_server, transactional_db
):
    assert live_server.url.startswith("http://localhost:")
    demo_accounts_load()
    cdp, key = plug_in_key(desktop)
    log_in_with_totp(desktop, STAFF, next_path="/accounts/2fa/")

    desktop.goto("/accounts/2fa/")
    expect(desktop.locator("main")).to_contain_text("登録されているセキュリティキーはありません")
    assert_accessible(desktop)
    desktop.goto("/accounts/2fa/webauthn/add/")
    desktop.locator("#id_password").fill(DEMO_PASSWORD)  # adding a key asks for the password again
    desktop.locator("main form [type=submit]").first.click()
    expect(desktop.get_by_role("heading", level=1)).to_have_text("セキュリティキーを追加")
    assert_accessible(desktop)
    desktop.get_by_label("キーの名前").fill("窓口PCのUSBキー")
    desktop.get_by_role("button", name="追加").click()
    expect(desktop.locator("main")).to_contain_text("1 個のセキュリティキーを登録しました")

    stored = Authenticator.objects.get(user__email=STAFF, type=Authenticator.Type.WEBAUTHN)
    assert stored.wrap().name == "窓口PCのUSBキー"
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": key})["credentials"]
    signs_before = credential["signCount"]

    desktop.goto("/accounts/logout/")
    desktop.locator("main form [type=submit]").first.click()
    desktop.goto("/accounts/login/?next=/staff/counter/")
    desktop.locator("#id_login").fill(STAFF)
    desktop.locator("#id_password").fill(DEMO_PASSWORD)
    desktop.locator("main").get_by_role("button", name="ログイン").click()
    expect(desktop).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    assert_accessible(desktop)
    desktop.get_by_role("button", name="セキュリティキーを使用する").click()

    expect(desktop).to_have_url(re.compile(r"/staff/counter/$"))
    expect(desktop.get_by_label("QRコードまたは受付番号")).to_be_visible()
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": key})["credentials"]
    assert credential["signCount"] > signs_before  # the key signed the server's challenge

"""A staff, admin or shop account cannot switch off its last second factor (SPEC §3.2); residents can."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from apps.demo.services import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_accounts_load
from apps.identity.models import User

from .helpers import log_in_with_second_factor

pytestmark = pytest.mark.django_db

REFUSED_JA = "職員・管理者・加盟店のアカウントでは、最後に残った2段階認証を外すことはできません。"
REFUSED_EN = "Staff, admin and merchant accounts cannot remove their last two-step verification method."


WORK_PAGES = {"staff": "/staff/counter/", "admin": "/admin/", "shop": "/merchant/"}


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


def signed_in_for_changes(client, email: str) -> None:
    """Logged in with the second factor, then the password again: allauth asks for it before MFA changes."""
    log_in_with_second_factor(client, email)
    response = client.post("/accounts/reauthenticate/", {"password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:300]


def add_security_key(user) -> Authenticator:
    """A registered security key as allauth stores one (the browser ceremony is in tests/e2e)."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "窓口のキー", "credential": {}}
    )


def kinds(user) -> list[str]:
    return sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True))


@pytest.mark.parametrize("who", ["staff", "admin", "shop"])
def test_a_role_holder_cannot_deactivate_the_only_authenticator_app(client, demo, who):
    signed_in_for_changes(client, f"{who}@example.jp")
    page = client.get("/accounts/2fa/totp/deactivate/")
    assert REFUSED_JA in page.content.decode()  # said before the button is pressed
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 200 and REFUSED_JA in response.content.decode()
    assert kinds(demo[who]) == ["recovery_codes", "totp"]  # nothing removed, recovery codes kept too
    assert client.get(WORK_PAGES[who]).status_code == 200  # and keeps working with it


def test_the_refusal_is_in_english_on_the_english_pages(client, demo):
    signed_in_for_changes(client, "staff@example.jp")
    response = client.post("/en/accounts/2fa/totp/deactivate/")
    assert REFUSED_EN in response.content.decode()
    assert kinds(demo["staff"]) == ["recovery_codes", "totp"]


def test_with_a_security_key_the_app_may_go_but_then_the_key_must_stay(client, demo):
    staff = demo["staff"]
    signed_in_for_changes(client, "staff@example.jp")
    key = add_security_key(staff)
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302  # another second factor remains: allowed
    assert kinds(staff) == ["recovery_codes", "webauthn"]

    remove = f"/accounts/2fa/webauthn/keys/{key.pk}/remove/"
    for response in (client.get(remove), client.post(remove)):
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/webauthn/"
    assert kinds(staff) == ["recovery_codes", "webauthn"]
    listing = client.get("/accounts/2fa/webauthn/").content.decode()
    assert REFUSED_JA in listing


def test_a_role_holder_with_two_keys_removes_one(client, demo):
    staff = demo["staff"]
    signed_in_for_changes(client, "staff@example.jp")
    spare = add_security_key(staff)
    add_security_key(staff)
    Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).delete()
    response = client.post(f"/accounts/2fa/webauthn/keys/{spare.pk}/remove/")
    assert response.status_code == 302
    assert kinds(staff) == ["recovery_codes", "webauthn"]
    assert not Authenticator.objects.filter(pk=spare.pk).exists()


def test_a_resident_may_switch_the_second_factor_off(client):
    user = User.objects.create_user(email="careful@example.jp", password=DEMO_PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, DEMO_TOTP_SECRET)
    signed_in_for_changes(client, "careful@example.jp")
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert kinds(user) == []

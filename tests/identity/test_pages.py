import re

import pytest
from django.core import mail

from apps.core.mynumber import check_digit
from apps.demo.services import DEMO_PASSWORD, demo_accounts_load
from apps.identity.models import IdentityVerification, User

from .factories import UserFactory
from .helpers import totp_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users():
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


def login_with_password(client, email: str) -> str:
    response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return response["Location"]


@pytest.mark.parametrize(
    "path", ["/admin/", "/en/admin/", "/admin/catalogue/procedure/", "/staff/", "/merchant/"]
)
def test_staff_without_a_second_factor_cannot_open_any_staff_page(client, path):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get(path)
    assert response.status_code == 302
    assert "/accounts/2fa/totp/activate/" in response["Location"]


def test_a_role_holder_with_totp_must_use_it_in_this_session(client, demo_users):
    client.force_login(demo_users["admin"])  # password-only session
    response = client.get("/admin/")
    assert response.status_code == 302 and "/accounts/2fa/reauthenticate/" in response["Location"]


def test_the_admin_logs_in_with_password_and_totp_and_reaches_the_admin(client, demo_users):
    next_step = login_with_password(client, "admin@example.jp")
    assert "/accounts/2fa/authenticate/" in next_step
    response = client.post(next_step, {"code": totp_now()})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/catalogue/procedure/").status_code == 200


def test_a_wrong_totp_code_is_refused(client, demo_users):
    next_step = login_with_password(client, "admin@example.jp")
    response = client.post(next_step, {"code": "000000" if totp_now() != "000000" else "111111"})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_resident_is_not_asked_for_a_second_factor(client, demo_users):
    assert login_with_password(client, "newcomer@example.jp") == "/"
    assert client.get("/profile/").status_code == 200
    assert "/admin/login/" in client.get("/admin/")["Location"]


def test_the_profile_shows_the_own_verification_and_nothing_of_others(client, demo_users):
    resident = demo_users["resident"]
    assert resident.is_my_number_verified
    client.force_login(resident)
    html = client.get("/profile/").content.decode()
    assert "マイナンバーカードで確認済みの高松市民" in html and "高松　太郎" in html
    client.force_login(demo_users["newcomer"])
    html = client.get("/profile/").content.decode()
    assert "高松　太郎" not in html and "まだ本人確認をしていません" in html


def test_pages_about_a_person_need_login(client):
    for path in ("/profile/", "/identity/verify/", "/profile/delete/"):
        assert client.get(path)["Location"].startswith("/accounts/login/")


def test_the_resident_deletes_the_kept_basic_information(client, demo_users):
    resident = demo_users["resident"]
    client.force_login(resident)
    assert client.get("/profile/basic-info/delete/").status_code == 405
    client.post("/profile/basic-info/delete/")
    v = IdentityVerification.objects.get(user=resident)
    assert (v.name, v.address, v.birth_date, v.basic_info_kept) == ("", "", None, False)
    assert v.is_takamatsu_resident  # the verified status stays


def test_the_resident_deletes_the_account(client, demo_users):
    resident = demo_users["resident"]
    client.force_login(resident)
    response = client.post("/profile/delete/", {})
    assert response.status_code == 200 and User.objects.filter(pk=resident.pk).exists()
    response = client.post("/profile/delete/", {"confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=resident.pk).exists()
    assert not IdentityVerification.objects.filter(user_id=resident.pk).exists()


def test_the_demo_card_button_runs_the_real_verification(client, demo_users):
    newcomer = demo_users["newcomer"]
    client.force_login(newcomer)
    assert "デモ用カードを使う" in client.get("/identity/verify/").content.decode()
    response = client.post(
        "/identity/verify/demo-card/", {"demo-card": "newcomer", "demo-keep_basic_info": "on"}
    )
    assert response["Location"] == "/profile/"
    assert IdentityVerification.objects.get(user=newcomer).name == "瀬戸　花子"
    response = client.post("/identity/verify/demo-card/", {"demo-card": "revoked"}, follow=True)
    assert "certificate_revoked" in response.content.decode()


def test_the_demo_card_cannot_be_used_without_demo_settings(client, settings):
    settings.TAKAMATSU_DEMO = False
    client.force_login(UserFactory())
    assert "デモ用カード" not in client.get("/identity/verify/").content.decode()
    assert client.post("/identity/verify/demo-card/", {"demo-card": "newcomer"}).status_code == 404


def test_password_reset_sends_a_working_link(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="forgetful@example.jp")
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after commit
        client.post("/accounts/password/reset/", {"email": "forgetful@example.jp"})
    link = re.search(r"/accounts/password/reset/key/\S+", mail.outbox[-1].body).group(0)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    client.post(form_url, {"password1": "a-new-seto-bridge-7", "password2": "a-new-seto-bridge-7"})
    user.refresh_from_db()
    assert user.check_password("a-new-seto-bridge-7")


def test_the_profile_links_each_person_to_their_own_pages_and_their_roles_work_pages(client, demo_users):
    client.force_login(demo_users["resident"])
    page = client.get("/profile/").content.decode()
    for href in (
        'href="/counter/"',
        'href="/documents/"',
        'href="/wallet/"',
        'href="/notifications/settings/"',
    ):
        assert href in page, href
    assert 'id="work-title"' not in page and 'href="/staff/counter/"' not in page
    client.force_login(demo_users["shop"])
    page = client.get("/profile/").content.decode()
    assert 'href="/merchant/"' in page and 'href="/operator/vouchers/"' not in page
    client.force_login(demo_users["admin"])
    page = client.get("/en/profile/").content.decode()
    for href in ('href="/en/operator/vouchers/"', 'href="/en/operator/settlements/"', 'href="/en/admin/"'):
        assert href in page, href
    assert 'href="/en/merchant/"' not in page


def test_a_security_key_name_is_labelled_and_refuses_a_my_number(client, demo_users):
    my_number = "12345678901" + str(check_digit("12345678901"))
    next_step = login_with_password(client, "staff@example.jp")
    client.post(next_step, {"code": totp_now()})
    client.post("/accounts/reauthenticate/", {"password": DEMO_PASSWORD})
    page = client.get("/accounts/2fa/webauthn/add/")
    assert page.status_code == 200 and "キーの名前" in page.content.decode()

    response = client.post("/accounts/2fa/webauthn/add/", {"name": f"鍵 {my_number}", "credential": "{}"})
    assert response.status_code == 200
    assert "個人番号" in str(response.context["form"].errors["name"])
    assert not demo_users["staff"].authenticator_set.filter(type="webauthn").exists()

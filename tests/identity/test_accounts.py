import re

import pytest
from django.core import mail

from apps.identity.models import User

pytestmark = pytest.mark.django_db


def test_a_resident_signs_up_confirms_the_email_logs_in_and_out(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after commit
        response = client.post(
            "/accounts/signup/",
            {
                "email": "new.resident@example.jp",
                "password1": "seto-inland-sea-42",
                "password2": "seto-inland-sea-42",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.resident@example.jp")
    assert not user.emailaddress_set.get().verified
    assert list(user.groups.values_list("name", flat=True)) == ["resident"]

    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", mail.outbox[-1].body).group(0)
    confirm_path = link.split("testserver", 1)[-1]
    client.post(confirm_path)
    assert user.emailaddress_set.get().verified

    client.post("/accounts/logout/")
    response = client.post(
        "/accounts/login/", {"login": "new.resident@example.jp", "password": "seto-inland-sea-42"}
    )
    assert response.status_code == 302
    assert "new.resident@example.jp" in client.get("/").content.decode()
    client.post("/accounts/logout/")
    assert "new.resident@example.jp" not in client.get("/").content.decode()


def test_a_wrong_password_is_refused_with_a_message(client):
    User.objects.create_user(email="someone@example.jp", password="correct-horse-99")
    response = client.post("/accounts/login/", {"login": "someone@example.jp", "password": "wrong-password"})
    assert response.status_code == 200
    assert "正しくありません" in response.content.decode() or "間違" in response.content.decode()


def test_a_weak_password_is_refused_at_sign_up(client):
    response = client.post(
        "/accounts/signup/", {"email": "weak@example.jp", "password1": "1234", "password2": "1234"}
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="weak@example.jp").exists()


def test_the_user_model_has_no_username_and_is_email_based():
    user = User.objects.create_user(email="Case@Example.JP", password="x" * 12)
    assert user.email == "Case@example.jp"
    assert not hasattr(user, "username") or user.username is None
    assert str(user) == f"User #{user.pk}"  # no personal data in logs or admin titles


def test_the_language_of_e_mails_and_pdfs_follows_sign_up_and_can_be_changed_on_the_profile(
    client, django_capture_on_commit_callbacks
):
    from apps.notifications.services import notify

    form = {
        "email": "visitor@example.jp",
        "password1": "seto-inland-sea-42",
        "password2": "seto-inland-sea-42",
    }
    assert client.post("/en/accounts/signup/", form).status_code == 302
    user = User.objects.get(email="visitor@example.jp")
    assert user.preferred_language == "en"
    user.emailaddress_set.update(verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=user, event="identity.verified", context={})
    assert mail.outbox[-1].subject.isascii()  # the English template

    client.force_login(user)
    page = client.get("/en/profile/").content.decode()
    assert 'name="preferred_language"' in page and '<option value="en" selected>' in page
    response = client.post("/en/profile/language/", {"preferred_language": "fr"}, follow=True)
    assert "Choose 日本語 or English." in response.content.decode()
    user.refresh_from_db()
    assert user.preferred_language == "en"
    response = client.post("/profile/language/", {"preferred_language": "ja"}, follow=True)
    assert "言語を変更しました" in response.content.decode()
    user.refresh_from_db()
    assert user.preferred_language == "ja"
    assert client.get("/profile/language/").status_code == 405
    assert User.objects.get(email="visitor@example.jp").preferred_language == "ja"
    client.logout()
    client.post("/accounts/signup/", {**form, "email": "kenmin@example.jp"})
    assert User.objects.get(email="kenmin@example.jp").preferred_language == "ja"

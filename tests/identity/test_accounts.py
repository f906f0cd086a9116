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

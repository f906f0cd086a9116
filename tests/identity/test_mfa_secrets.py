"""The second factor's secrets are not stored in the clear (issue 15, low)."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps as django_apps

from apps.demo.services import DEMO_PASSWORD, DEMO_TOTP_SECRET
from apps.identity.models import User

from .factories import UserFactory
from .helpers import log_in_with_second_factor, totp_now

pytestmark = pytest.mark.django_db


def test_a_totp_key_is_stored_encrypted_and_still_logs_in(client):
    user = User.objects.create_user(email="totp@example.jp", password=DEMO_PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, DEMO_TOTP_SECRET)
    RecoveryCodes.activate(user)
    for authenticator in Authenticator.objects.filter(user=user):
        stored = str(authenticator.data)
        assert DEMO_TOTP_SECRET not in stored and "fernet:" in stored
    log_in_with_second_factor(client, "totp@example.jp")
    assert client.get("/profile/").status_code == 200 and "_auth_user_id" in client.session


def test_the_migration_encrypts_secrets_stored_in_the_clear():
    user = UserFactory()
    plain = Authenticator.objects.create(user=user, type="totp", data={"secret": DEMO_TOTP_SECRET})
    migration = importlib.import_module("apps.identity.migrations.0006_mfa_secrets_encrypted")
    migration.encrypt_stored_secrets(django_apps, None)
    plain.refresh_from_db()
    assert plain.data["secret"].startswith("fernet:")
    assert TOTP(plain).validate_code(totp_now())

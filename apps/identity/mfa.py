"""allauth MFA adapter: the second factor's secrets (TOTP keys, recovery-code seeds) are stored encrypted,
and a staff, admin or shop account cannot remove its last second factor (SPEC §3.2).

Fernet (AES-128-CBC with HMAC-SHA256) under a key from TAKAMATSU_MFA_ENCRYPTION_KEY, or derived from
SECRET_KEY when that is not set. A stored value carries the prefix "fernet:"; one without it is a value
written before encryption (migration 0006 encrypts those) and is read as it is.
"""

from __future__ import annotations

import base64
import hashlib

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.core.second_factor import FACTOR_TYPES, second_factor_count

from .selectors import user_needs_second_factor

PREFIX = "fernet:"


def _fernet() -> Fernet:
    secret = settings.TAKAMATSU_MFA_ENCRYPTION_KEY or f"takamatsu.mfa:{settings.SECRET_KEY}"
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def secret_encrypt(text: str) -> str:
    if text.startswith(PREFIX):
        return text
    return PREFIX + _fernet().encrypt(text.encode()).decode()


def secret_decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored
    return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "職員・管理者・加盟店のアカウントでは、最後に残った2段階認証を外すことはできません。"
            "認証アプリやセキュリティキーを替えるときは、先に新しいセキュリティキーを追加してから外してください。"
            "スマートフォンやキーをなくしたときは、システム管理者に連絡してください。"
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """The last authenticator app or security key of a role holder stays: without it the account could
        not open its pages, and a role must not drop the second factor and keep working. allauth asks this
        when the app is deactivated; the security-key removal asks it through identity's own view."""
        if authenticator.type not in FACTOR_TYPES:
            return True
        if not user_needs_second_factor(user=authenticator.user):
            return True
        return second_factor_count(user=authenticator.user, excluding=authenticator) > 0

    def encrypt(self, text: str) -> str:
        return secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return secret_decrypt(encrypted_text)

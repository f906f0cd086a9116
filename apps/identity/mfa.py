"""allauth MFA adapter: the second factor's secrets (TOTP keys, recovery-code seeds) are stored encrypted.

Fernet (AES-128-CBC with HMAC-SHA256) under a key from TAKAMATSU_MFA_ENCRYPTION_KEY, or derived from
SECRET_KEY when that is not set. A stored value carries the prefix "fernet:"; one without it is a value
written before encryption (migration 0006 encrypts those) and is read as it is.
"""

from __future__ import annotations

import base64
import hashlib

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet
from django.conf import settings

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
    def encrypt(self, text: str) -> str:
        return secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return secret_decrypt(encrypted_text)

"""Opaque tokens for the QR code and the short code read aloud at the counter (no personal data)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import unicodedata

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.crypto import salted_hmac

from .constants import QR_PREFIX, SHORT_CODE_ALPHABET

TOKEN_BYTES = 20  # 160 random bits (at least 128 are required)
SHORT_CODE_LENGTH = 8


def new_token() -> str:
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode().rstrip("=")


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


# Spaces and every dash a keyboard or an IME types between the two halves of a short code: NFKC turns the
# full-width ones into ASCII, the long-vowel mark (ー, what a Japanese IME types for "-") and the typographic
# dashes it leaves as they are.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff70]")


def normalize(code: str) -> str:
    """What a scanner or a clerk typed, as stored: full width folded (an IME left on, a scanner in that mode),
    prefix, spaces and dashes off, upper case."""
    code = unicodedata.normalize("NFKC", code).strip()
    if code.upper().startswith(QR_PREFIX):
        code = code[len(QR_PREFIX) :]
    return _SEPARATORS.sub("", code).upper()[:64]


def digest(code: str) -> str:
    """Keyed hash of a token or short code: what the database keeps for lookups."""
    return salted_hmac("takamatsu.counter.code", normalize(code), algorithm="sha256").hexdigest()


def _fernet() -> Fernet:
    key = hashlib.sha256(b"takamatsu.counter.token-encryption:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def unseal(value: str) -> str:
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        return ""


def shown(short_code: str) -> str:
    """The short code as people read it: two halves of four (BMKA-5RYH)."""
    return f"{short_code[:4]}-{short_code[4:]}" if short_code else ""


def qr_payload(token: str) -> str:
    return QR_PREFIX + token

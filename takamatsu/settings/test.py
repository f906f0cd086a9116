"""Test settings: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI), else SQLite."""

import os

from .base import *  # noqa: F403
from .base import (
    BASE_DIR,
    CACHES,
    DATABASES,
    REDIS_URL,
    TAKAMATSU_JPKI_CRLS,
    TAKAMATSU_JPKI_TRUST_ANCHORS,
    env,
)

DEBUG = False
TAKAMATSU_DEMO = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in prod
if not env.str("EMAIL_URL", default=""):  # integration tests point workers at their own SMTP server
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; integration tests start a real worker with TAKAMATSU_CELERY_EAGER=false.
CELERY_TASK_ALWAYS_EAGER = env.bool("TAKAMATSU_CELERY_EAGER", default=True)
DATABASES["default"]["CONN_MAX_AGE"] = 0  # live-server threads must not keep the test database open
if REDIS_URL:
    # One Redis serves many test runs: keep keys apart.
    CACHES["default"]["KEY_PREFIX"] = "takamatsu-test"
ACCOUNT_RATE_LIMITS = False
# Tests never run collectstatic: with no STATIC_ROOT WhiteNoise does not look for one (it warned "No directory
# at" on every request-level test); the browser tests get static files from the live server's finders.
STATIC_ROOT = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A test CA and test cards, made afresh by tests/conftest.py for every run (one folder per process, so
# that two runs on one machine never rewrite each other's trust anchors), added to what is configured.
DEMO_PKI_DIR = BASE_DIR / "var" / f"test-jpki-{os.getpid()}"
TAKAMATSU_JPKI_TRUST_ANCHORS = ",".join(
    p for p in (TAKAMATSU_JPKI_TRUST_ANCHORS, str(DEMO_PKI_DIR / "ca.pem")) if p
)
TAKAMATSU_JPKI_CRLS = [*TAKAMATSU_JPKI_CRLS, str(DEMO_PKI_DIR / "ca.crl")]
TAKAMATSU_DEMO_CARDS_DIR = str(DEMO_PKI_DIR / "cards")

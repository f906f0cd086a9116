"""Failed sign-ins are limited per account and, much higher, per address; a limit answers 429 (SPEC §5).

One person's typos lock only their own account: a household, a city-hall NAT or a carrier's CGNAT shares
one address. The per-address limit is for one address trying many accounts. The suite switches rate limits
off (takamatsu/settings/test.py); these tests turn the production limits back on and count in the cache
the test settings configure (local memory, or Redis when REDIS_URL is set).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from takamatsu.settings import base

from .factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "takamatsu-test-pass"  # UserFactory's
LOCKED_JA = "ログインを一時的に止めています"
LOCKED_EN = "sign-in to that account is paused for a while"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def production_limits(settings):
    """The limits of base.py; the counts start empty (tests/conftest.py clears the cache around each test)."""
    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    assert cache.get("allauth:rl:probe") is None


def log_in(client, email: str, password: str, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def test_five_wrong_passwords_lock_that_account_and_no_other_behind_the_same_address(client):
    a, b = UserFactory(), UserFactory()
    for _ in range(5):
        response = log_in(client, a.email, "wrong-password-1")
        assert response.status_code == 200 and "正しくありません" in response.content.decode()
    locked = log_in(client, a.email, PASSWORD)  # even the right password waits now
    assert locked.status_code == 429
    assert LOCKED_JA in locked.content.decode() and 'lang="ja"' in locked.content.decode()
    assert "_auth_user_id" not in client.session

    response = log_in(client, b.email, PASSWORD)  # the same address (127.0.0.1), another account
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(b.pk)


def test_the_address_limit_stops_one_address_trying_many_accounts(client):
    for i in range(50):
        response = log_in(client, f"sprayed{i}@example.jp", "Winter2025!")
        assert response.status_code == 200, i
    blocked = log_in(client, "sprayed-more@example.jp", "Winter2025!")
    assert blocked.status_code == 429 and LOCKED_JA in blocked.content.decode()

    elsewhere = UserFactory()
    response = log_in(client, elsewhere.email, PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302  # another address is not held up


def test_the_lock_page_is_in_english_on_the_english_pages(client):
    a = UserFactory()
    for _ in range(5):
        client.post("/en/accounts/login/", {"login": a.email, "password": "wrong-password-1"})
    locked = client.post("/en/accounts/login/", {"login": a.email, "password": PASSWORD})
    assert locked.status_code == 429 and LOCKED_EN in locked.content.decode()


def test_behind_the_load_balancer_the_address_is_the_client_s(client, settings):
    """With TAKAMATSU_TRUSTED_PROXY_COUNT set, every resident does not share the balancer's address."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for i in range(50):
        response = log_in(
            client, f"sprayed{i}@example.jp", "Winter2025!", HTTP_X_FORWARDED_FOR="198.51.100.1"
        )
        assert response.status_code == 200, i
    assert (
        log_in(client, "x@example.jp", "Winter2025!", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    )
    resident = UserFactory()
    response = log_in(client, resident.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert response.status_code == 302


@pytest.mark.parametrize("module", ["takamatsu.settings.dev", "takamatsu.settings.prod"])
def test_the_number_of_trusted_proxies_comes_from_the_environment(module):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": module, "TAKAMATSU_TRUSTED_PROXY_COUNT": "1"})
    if module.endswith("prod"):
        env.update({"DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "portal.example.jp",
                    "DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "REDIS_URL": "redis://127.0.0.1:6379/0"})  # fmt: skip
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps(settings.ALLAUTH_TRUSTED_PROXY_COUNT))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == 1

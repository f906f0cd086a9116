"""Shared fixtures.

Under CI=true a test that needs PostgreSQL, Redis or Chromium fails instead of skipping.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytest_plugins = ["tests.peers.fixtures"]

CAPTURED_LOG_LINES: list[str] = []


class _CaptureEverything(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        CAPTURED_LOG_LINES.append(self.format(record))


def pytest_configure(config):
    # Every log line of the run, as any handler would format it (checked after every test, below).
    handler = _CaptureEverything(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)


IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def missing(what: str) -> None:
    """Skip locally, fail in CI: CI must exercise the full stack."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true", pytrace=False)
    pytest.skip(f"{what} not available")


@pytest.fixture(autouse=True)
def _japanese_by_default():
    """LocaleMiddleware leaves the last request's language active in the thread: start in Japanese."""
    from django.utils import translation

    translation.activate("ja")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from apps.catalogue.selectors import catalogue_version_forget
    from apps.core.tally import tally_local_clear

    cache.clear()  # on Redis this also drops the tallies (same database)
    tally_local_clear()
    catalogue_version_forget()
    yield
    cache.clear()
    tally_local_clear()
    catalogue_version_forget()


def individual_numbers_kept() -> list[str]:
    """Every text column of every table that holds a valid individual number, as "table.column"."""
    from django.apps import apps
    from django.db import models

    from apps.core.mynumber import carries_my_number

    text_fields = (models.CharField, models.TextField, models.JSONField)
    hits = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            columns = [f.column for f in model._meta.concrete_fields if isinstance(f, text_fields)]
            if not columns:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {names} FROM {table}")  # noqa: S608 - names from the model registry
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value and carries_my_number(str(value)):
                        hits.append(f"{model._meta.db_table}.{column}")
    return hits


_DB_FIXTURES = {"db", "transactional_db", "_django_db_helper", "live_server"}


@pytest.fixture(autouse=True)
def _no_individual_number_kept(request):
    """The closing scan of every test: what the test wrote (before its rollback or flush) and logged holds
    no valid individual number (番号法 §19–20)."""
    first_line = len(CAPTURED_LOG_LINES)
    uses_db = request.node.get_closest_marker("django_db") or _DB_FIXTURES & set(request.fixturenames)
    if uses_db:
        # Requested here so that this fixture's teardown runs before the database is rolled back.
        live = "live_server" in request.fixturenames
        request.getfixturevalue("transactional_db" if live else "_django_db_helper")
    yield
    from apps.core.mynumber import carries_my_number

    leaked = [line for line in CAPTURED_LOG_LINES[first_line:] if carries_my_number(line)]
    kept = individual_numbers_kept() if uses_db else []
    if leaked or kept:
        pytest.fail(f"an individual number was kept: columns {kept}, log lines {leaked[:3]}", pytrace=False)


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        missing("PostgreSQL (DATABASE_URL)")


@pytest.fixture
def redis_cache():
    if not settings.REDIS_URL or "Redis" not in settings.CACHES["default"]["BACKEND"]:
        missing("Redis (REDIS_URL)")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing("Chromium (/usr/bin/chromium)")
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")  # type: ignore[return-value]


# The network is closed and tests run as root: no sandbox, nothing fetched in the background.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One Playwright and one headless Chromium for every browser test of the run (Playwright's sync API
    cannot be started twice in one thread)."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # While Playwright runs, its event loop counts as running in this thread, so Django keeps the
        # database connections of every later test in async (context-variable) storage, apart from the
        # connection pytest-django set up before. Closed here, while that storage is still the one in use:
        # left open, the last test's connection kept the test database busy when pytest-django dropped it.
        connections.close_all()


def load_demo_catalogue() -> None:
    from apps.demo.services import demo_catalogue_load

    demo_catalogue_load()


@pytest.fixture(scope="session", autouse=True)
def test_pki():
    """A fresh test CA, test cards and CRL for this run (the trust anchors test settings point at)."""
    from pathlib import Path

    from apps.identity.jpki_testca import build_test_pki

    paths = build_test_pki(Path(settings.DEMO_PKI_DIR))
    yield paths
    shutil.rmtree(settings.DEMO_PKI_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The real demo catalogue, loaded once: search quality is measured on real data."""
    with django_db_blocker.unblock():
        load_demo_catalogue()


@pytest.fixture
def demo_catalogue(transactional_db):
    """For transactional tests (live server): the flush between them empties the tables."""
    load_demo_catalogue()


@pytest.fixture
def admin_client_mfa(client, db):
    """The demo catalogue admin, logged in with password and TOTP (staff pages need a second factor)."""
    from apps.demo.services import demo_accounts_load

    from .identity.helpers import log_in_with_second_factor

    demo_accounts_load()
    log_in_with_second_factor(client, "admin@example.jp")
    return client

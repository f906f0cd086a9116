"""Browser fixtures: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here: it launches the system Chromium found by `chromium_path`.
Every page a journey visits is checked with axe-core (WCAG 2.1 A and AA, SPEC §5 Accessibility).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    expect,
)

from apps.demo.services import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.identity.helpers import totp_now

# Playwright's sync API runs an event loop in the test thread; Django would then refuse the ORM calls
# the tests make (fixtures, assertions on the database) as if they came from async code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 15_000

_axe = Axe()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@contextmanager
def open_page(context: BrowserContext) -> Iterator[Page]:
    """A page of the context that fails the test on script errors, CSP refusals and failed loads."""
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        # Failed loads are reported below with their URL; other errors are script errors or CSP refusals.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            problems.append(f"console error: {msg.text}")

    def on_response(response: Response) -> None:
        request = response.request
        # The page's own status is the test's business; the browser's own favicon probe is not the page's.
        if (
            response.status >= 400
            and not request.is_navigation_request()
            and not request.url.endswith("/favicon.ico")
        ):
            problems.append(f"{response.status} for {request.resource_type} {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("response", on_response)
    yield page
    context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def phone(browser: Browser, live_server) -> Iterator[Page]:
    """A 360x740 touch phone in Japanese, the resident's usual device."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="ja-JP",
    )
    with open_page(context) as page:
        yield page


@pytest.fixture
def desktop(browser: Browser, live_server) -> Iterator[Page]:
    """A desk PC in Japanese, as used by the catalogue admin."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="ja-JP"
    )
    with open_page(context) as page:
        yield page


def assert_accessible(page: Page) -> None:
    """Fail listing every axe-core violation (WCAG 2.0/2.1 A and AA) on the page as it is now."""
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    violations = results.response["violations"]
    if violations:
        lines = [f"axe-core found {len(violations)} violation(s) on {page.url}:"]
        for v in violations:
            targets = "; ".join(" ".join(str(t) for t in node["target"]) for node in v["nodes"])
            lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} -> {targets}")
        pytest.fail("\n".join(lines), pytrace=False)


def log_in_with_totp(page: Page, email: str, *, next_path: str = "/") -> None:
    """A staff member signs in through allauth: password, then the TOTP code of the demo secret.

    Waits for each step to land, so that a following navigation cannot cancel the code's POST.
    """
    page.goto(f"/accounts/login/?next={next_path}")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("input[name=code]").fill(totp_now(DEMO_TOTP_SECRET))
    page.locator("main form [type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/(2fa/authenticate|login)/"))

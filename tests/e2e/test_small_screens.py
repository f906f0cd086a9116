"""The portal on a 360 px phone and on a desktop at 200 % zoom: nothing scrolls sideways, nothing is cut
off, the results start on the first screen, the header leaves room for the page, and axe finds nothing
(the admin pages included). At 200 % zoom a 1280x900 desktop window is 640x450 CSS pixels."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from apps.demo.services import DEMO_PASSWORD, demo_accounts_load
from apps.identity.models import User

from ..counter.helpers import create
from .conftest import assert_accessible, log_in_with_totp, open_page
from .test_identity_journeys import log_in

SCREENS = {
    "phone-360": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
    "desktop-200%": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
}

# Visible elements of the page that stick out of the viewport on the right, or whose text is clipped by
# their own box (overflow hidden with more content than room); the visually hidden helpers are meant so.
CUT_OFF = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if (el.closest('.visually-hidden, .facets-title, .skip-link, details:not([open]) > :not(summary)')) continue;
    const name = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    if (rect.right > width + 1) out.push(name + ' sticks out by ' + Math.round(rect.right - width) + 'px');
    const clips = ['hidden', 'clip'].includes(style.overflowX) || ['hidden', 'clip'].includes(style.overflowY);
    if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) out.push(name + ' clips its content');
  }
  return out;
}"""


@pytest.fixture(params=list(SCREENS))
def screen(request, browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", **SCREENS[request.param])
    with open_page(context) as page:
        yield page


def assert_fits(page: Page) -> None:
    """No sideways scrolling and nothing cut off, then axe."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths[0]} px of content in {widths[1]} px"
    cut = page.evaluate(CUT_OFF)
    assert not cut, f"{page.url}: {cut[:5]}"
    assert_accessible(page)


def header_height(page: Page) -> float:
    return page.locator("header.site-header").bounding_box()["height"]


def test_search_results_start_on_the_first_screen(screen: Page, transactional_db, demo_catalogue):
    demo_accounts_load()
    log_in(screen, "resident@example.jp", DEMO_PASSWORD)
    screen.goto("/procedures/?q=引越し")
    height = screen.viewport_size["height"]
    assert header_height(screen) <= height / 4, "the logged-in header takes more than a quarter of the screen"
    button = screen.locator("main .search-row button")
    assert button.bounding_box()["height"] <= 60, "the search button's label breaks into several lines"
    first = screen.locator("ol.result-list > li").first
    expect(first).to_be_visible()
    assert first.bounding_box()["y"] < height, "the first result is below the first screen"
    assert_fits(screen)

    # The filters are one tap away and work without JavaScript.
    screen.locator("details.facets > summary").click()
    expect(screen.locator("details.facets fieldset").first).to_be_visible()
    assert_fits(screen)

    # The site's links are behind the menu button, and it opens and fits too.
    screen.locator("details.header-menu > summary").click()
    menu = screen.locator("details.header-menu nav")
    expect(menu.get_by_role("link", name="財布")).to_be_visible()
    expect(menu.get_by_role("link", name="マイページ")).to_be_visible()
    assert "resident@example.jp" not in screen.locator("header").inner_text()
    assert_fits(screen)


def test_the_counter_form_and_the_wallet_fit(screen: Page, transactional_db, demo_catalogue):
    demo_accounts_load()
    log_in(screen, "resident@example.jp", DEMO_PASSWORD)
    for path in ("/counter/", "/counter/new/juminhyo/", "/wallet/", "/wallet/pay/demo-udon/"):
        screen.goto(path)
        expect(screen.locator("h1")).to_be_visible()
        assert_fits(screen)


def test_the_desk_and_the_admin_fit(screen: Page, transactional_db, demo_catalogue):
    demo_accounts_load()
    created = create(User.objects.get(email="resident@example.jp"), "juminhyo")
    log_in_with_totp(screen, "staff@example.jp", next_path="/staff/counter/")
    desk = f"/staff/counter/requests/{created.request.pk}/"
    for path in ("/staff/counter/", "/staff/counter/queue/", "/staff/counter/dashboard/", desk):
        screen.goto(path)
        expect(screen.locator("h1")).to_be_visible()
        assert_fits(screen)


def test_the_admin_pages_pass_axe(browser: Browser, live_server, transactional_db, demo_catalogue):
    demo_accounts_load()
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", viewport={"width": 1280, "height": 900})
    with open_page(context) as page:
        log_in_with_totp(page, "admin@example.jp", next_path="/admin/")
        for path in (
            "/admin/",
            "/admin/catalogue/procedure/",
            "/admin/catalogue/procedure/add/",
            "/admin/catalogue/procedure/import/",
            "/admin/catalogue/procedure/export/",
            "/admin/catalogue/procedure/usage/",
            "/admin/catalogue/section/add/",
            "/admin/wallet/campaign/",
            "/admin/wallet/campaign/add/",
            "/admin/wallet/merchant/add/",
            "/admin/wallet/vouchersale/add/",
        ):
            page.goto(path)
            assert_accessible(page)

"""A resident finds a procedure on a phone, in Japanese then in English, and by keyboard alone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from apps.catalogue.models import Procedure

from .conftest import assert_accessible

MOVING_IN = "転入届"


def test_a_resident_finds_the_moving_in_procedure_by_typing_hikkoshi_on_a_phone(
    phone: Page, live_server, demo_catalogue
):
    phone.goto("/")
    assert_accessible(phone)

    phone.get_by_label("手続きをさがす").press_sequentially("ひっこし")
    phone.get_by_role("button", name="検索").click()

    expect(phone).to_have_url(re.compile(r"/procedures/\?q="))
    results = phone.locator("ol.result-list h3 a")
    expect(results.first).to_be_visible()
    assert_accessible(phone)
    top_three = results.all_inner_texts()[:3]
    assert MOVING_IN in top_three, f"{MOVING_IN} not among the first three: {top_three}"

    phone.locator("ol.result-list").get_by_role("link", name=MOVING_IN, exact=True).click()
    expect(phone).to_have_url(re.compile(r"^[^?]*/procedures/[\w-]+/$"))
    slug = phone.url.rstrip("/").rsplit("/", 1)[-1]
    procedure = Procedure.objects.get(slug=slug)
    assert procedure.title == MOVING_IN
    expect(phone.locator("h1")).to_have_text(MOVING_IN)
    assert_accessible(phone)

    phone.locator("header .header-menu > summary").click()  # on a phone the site's links are in the menu
    phone.get_by_role("link", name="English").click()
    expect(phone).to_have_url(f"{live_server.url}/en/procedures/{slug}/")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    assert procedure.title_en and procedure.title_en != procedure.title
    expect(phone.locator("h1")).to_have_text(procedure.title_en)
    assert_accessible(phone)


def test_the_accessibility_policy_page_passes_axe(phone: Page, demo_catalogue):
    phone.goto("/accessibility/")
    expect(phone.locator("h1")).to_have_text("ウェブアクセシビリティ方針")
    assert_accessible(phone)


def test_the_first_tab_reaches_the_skip_link_and_activating_it_focuses_main(desktop: Page, demo_catalogue):
    desktop.goto("/")

    desktop.keyboard.press("Tab")
    focused = desktop.locator(":focus")
    expect(focused).to_have_attribute("href", "#main")
    expect(focused).to_have_text("本文へ移動")
    # Hidden off-screen until focused: a sighted keyboard user must see where the focus is.
    expect(focused).to_be_in_viewport()

    desktop.keyboard.press("Enter")
    expect(desktop.locator(":focus")).to_have_id("main")

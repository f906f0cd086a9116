"""The catalogue admin reads how residents use the catalogue: views, searches that found nothing, CSV.

The usage page is ours (unlike the admin's own pages, see test_admin_import.py), so axe checks it, and it
is used once more in a browser with JavaScript off.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from apps.catalogue.models import Procedure

from .conftest import TIMEOUT_MS, assert_accessible
from .test_admin_import import admin_log_in

NOTHING = "ｚｚｑｘｊ"  # found nowhere; counted as "zzqxj"


def test_the_catalogue_admin_sees_what_residents_view_and_search_for_in_vain(
    desktop: Page, phone: Page, browser: Browser, live_server, demo_catalogue
):
    procedure = Procedure.objects.filter(published=True).order_by("slug").first()
    for _ in range(3):
        phone.goto(procedure.get_absolute_url())
        phone.goto(f"/procedures/?q={NOTHING}")
    phone.goto("/procedures/?q=ゐゑゐゑ")  # searched once: never shown

    admin_log_in(desktop)
    desktop.goto("/admin/catalogue/procedure/")
    desktop.get_by_role("link", name="利用状況").click()
    expect(desktop.locator("h1")).to_have_text("手続き一覧の利用状況")
    top = desktop.locator("section", has=desktop.locator("#usage-top"))
    expect(top.locator("tbody tr").first).to_contain_text(procedure.title)
    expect(top.locator("tbody tr").first.locator("td").nth(2)).to_have_text("3")
    zero = desktop.locator("section", has=desktop.locator("#usage-zero"))
    expect(zero.locator("tbody tr")).to_have_count(1)
    expect(zero.locator("tbody tr")).to_contain_text("zzqxj")
    expect(desktop.locator("#content")).not_to_contain_text("ゐゑゐゑ")
    assert_accessible(desktop)

    with desktop.expect_download() as download_info:
        desktop.get_by_role("link", name="手続きごとの数値をCSVでダウンロード").click()
    body = Path(download_info.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf") and procedure.slug.encode() in body

    # Without JavaScript, in the same session: the period is a plain form.
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, storage_state=desktop.context.storage_state()
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/admin/catalogue/procedure/usage/")
        page.get_by_label("直近7日").check()
        page.get_by_role("button", name="表示").click()
        expect(page).to_have_url(re.compile(r"days=7"))
        expect(page.get_by_label("直近7日")).to_be_checked()
        expect(page.locator("section", has=page.locator("#usage-top"))).to_contain_text(procedure.title)
    finally:
        context.close()

    desktop.goto("/en/admin/catalogue/procedure/usage/?days=90")
    expect(desktop.locator("h1")).to_have_text("Catalogue usage")
    assert_accessible(desktop)

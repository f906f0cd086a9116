"""The catalogue admin imports procedures from a CSV saved by Excel in Japan; residents see them at once.

axe runs on the public pages only: the Django admin and django-import-export pages are third-party
markup that we do not control (their accessibility is tracked upstream, not by these tests).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from apps.catalogue.importing import COLUMNS
from apps.catalogue.models import Procedure, Section
from apps.demo.services import demo_accounts_load

from .conftest import assert_accessible, log_in_with_totp

ADMIN_EMAIL = "admin@example.jp"
SEARCH_WORD = "瀬戸内テスト"


def admin_log_in(page: Page) -> None:
    """The admin signs in through allauth (the admin login redirects there): password, then TOTP."""
    demo_accounts_load()
    page.goto("/admin/login/?next=/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))  # the admin login hands over to allauth
    log_in_with_totp(page, ADMIN_EMAIL, next_path="/admin/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#user-tools")).to_be_visible()


def write_csv(path: Path, rows: list[dict[str, str]], *, columns: list[str]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    # CP932 is what Excel writes in Japan: the import must detect it, not assume UTF-8.
    path.write_bytes(out.getvalue().encode("cp932"))
    return path


def new_rows() -> list[dict[str, str]]:
    section = Section.objects.order_by("code").first()
    assert section is not None, "the demo catalogue has no sections"
    common = {
        "section": section.code,
        "published": "true",
        "requires_my_number_card": "false",
        "last_reviewed": "2026-04-01",
    }
    return [
        {
            **common,
            "slug": "e2e-drone-flight-notice",
            "title": f"ドローン飛行の届出（{SEARCH_WORD}）",
            "title_en": "Drone flight notice (Setouchi test)",
            "reading": "どろーんひこうのとどけで",
            "summary": "市の公園の上空でドローンを飛ばす前に届け出てください。",
            "summary_en": "Notify the city before flying a drone over a city park.",
            "channels": "online|counter",
            "online_url": "https://www.city.takamatsu.kagawa.jp/",
            "fee_yen": "",
            "life_events": "facility-booking",
            "categories": "facilities",
        },
        {
            **common,
            "slug": "e2e-festival-stall-permit",
            "title": f"祭りの出店許可申請（{SEARCH_WORD}）",
            "title_en": "Festival stall permit (Setouchi test)",
            "reading": "まつりのしゅってんきょかしんせい",
            "summary": "市の祭りで屋台を出すための許可を申請します。",
            "summary_en": "Apply for a permit to run a stall at a city festival.",
            "channels": "counter|mail",
            "fee_yen": "1500",
            "fee_note": "出店1区画あたり",
            "life_events": "",
            "categories": "business",
        },
    ]


def upload(page: Page, path: Path) -> None:
    page.goto("/admin/catalogue/procedure/import/")
    page.locator("input[name=import_file]").set_input_files(path)
    page.locator("select[name=format]").select_option(label="csv")
    page.locator("form[enctype='multipart/form-data'] [type=submit]").click()


def test_an_admin_imports_a_shift_jis_csv_and_residents_see_the_new_procedures(
    desktop: Page, phone: Page, demo_catalogue, tmp_path
):
    rows = new_rows()
    search_url = f"/procedures/?q={SEARCH_WORD}"
    # A resident's search is cached before the import: the import must invalidate it.
    response = phone.goto(search_url)
    assert response is not None and response.headers.get("x-cache") == "miss"
    response = phone.goto(search_url)
    assert response is not None and response.headers.get("x-cache") == "hit"
    expect(phone.locator("ol.result-list h3 a", has_text=SEARCH_WORD)).to_have_count(0)

    admin_log_in(desktop)
    upload(desktop, write_csv(tmp_path / "procedures.csv", rows, columns=COLUMNS))

    preview = desktop.locator("table.import-preview")
    expect(preview.locator("tr.new")).to_have_count(2)
    for row in rows:
        expect(preview).to_contain_text(row["title"])
    assert not Procedure.objects.filter(slug__in=[r["slug"] for r in rows]).exists(), "the dry run wrote rows"

    desktop.locator("input[name=confirm]").click()
    expect(desktop).to_have_url(re.compile(r"/admin/catalogue/procedure/$"))
    assert Procedure.objects.filter(slug__in=[r["slug"] for r in rows], published=True).count() == 2

    phone.goto(search_url)
    titles = phone.locator("ol.result-list h3 a", has_text=SEARCH_WORD)
    expect(titles).to_have_count(2)
    assert_accessible(phone)

    for row in rows:
        response = phone.goto(f"/procedures/{row['slug']}/")
        assert response is not None and response.status == 200
        expect(phone.locator("h1")).to_have_text(row["title"])
        assert_accessible(phone)


def test_an_admin_sees_an_unknown_column_refused_and_nothing_is_imported(
    desktop: Page, demo_catalogue, tmp_path
):
    rows = [{**r, "colour": "青"} for r in new_rows()]
    before = Procedure.objects.count()

    admin_log_in(desktop)
    upload(desktop, write_csv(tmp_path / "procedures.csv", rows, columns=[*COLUMNS, "colour"]))

    expect(desktop.locator("#content")).to_contain_text("不明な列があります: colour")
    # The message only: no traceback with server paths.
    assert "Traceback" not in desktop.content() and ".py" not in desktop.locator("#content").inner_text()
    expect(desktop.locator("input[name=confirm]")).to_have_count(0)
    assert Procedure.objects.count() == before
    assert not Procedure.objects.filter(slug__in=[r["slug"] for r in rows]).exists()

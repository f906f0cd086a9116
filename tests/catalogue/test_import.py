import csv
import io

import pytest
import tablib
from django.core.management import CommandError, call_command

from apps.catalogue import selectors
from apps.catalogue.importing import COLUMNS, ImportFileError
from apps.catalogue.models import Procedure
from apps.catalogue.services import import_result_messages, procedure_import

from .factories import ProcedureFactory, SectionFactory

pytestmark = pytest.mark.django_db


def row(**overrides) -> dict:
    base = {
        "slug": "import-test-dog",
        "title": "犬の登録（テスト）",
        "title_en": "Dog registration (test)",
        "reading": "いぬのとうろく",
        "summary": "生後91日以上の犬を飼い始めたら30日以内に登録してください。",
        "summary_en": "Register a dog within 30 days.",
        "section": "import-section",
        "channels": "counter|mail",
        "life_events": "pets",
        "categories": "environment",
        "fee_yen": "3000",
        "requires_my_number_card": "false",
        "published": "true",
        "last_reviewed": "2026-10-01",
    }
    base.update(overrides)
    return base


def csv_bytes(rows: list[dict], encoding: str = "utf-8", columns: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture(autouse=True)
def section():
    return SectionFactory(code="import-section")


def count() -> int:
    return Procedure.objects.count()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis"])
def test_it_imports_utf8_with_or_without_bom_and_excel_shift_jis(encoding):
    result = procedure_import(data=csv_bytes([row()], encoding), file_name="procedures.csv")
    assert import_result_messages(result) == []
    p = Procedure.objects.get(slug="import-test-dog")
    assert p.title == "犬の登録（テスト）"
    assert p.channels == ["counter", "mail"]
    assert [e.slug for e in p.life_events.all()] == ["pets"]
    assert p.fee_yen == 3000


def test_it_imports_xlsx():
    data = tablib.Dataset(headers=list(row()))
    data.append(list(row().values()))
    result = procedure_import(data=data.export("xlsx"), file_name="procedures.xlsx")
    assert import_result_messages(result) == []
    assert Procedure.objects.filter(slug="import-test-dog").exists()


def test_a_dry_run_reports_and_changes_nothing():
    before = count()
    result = procedure_import(data=csv_bytes([row()]), file_name="p.csv", dry_run=True)
    assert result.totals["new"] == 1
    assert count() == before


def test_reimporting_updates_in_place_by_slug():
    procedure_import(data=csv_bytes([row()]), file_name="p.csv")
    procedure_import(data=csv_bytes([row(title="犬の登録（改）")]), file_name="p.csv")
    assert Procedure.objects.get(slug="import-test-dog").title == "犬の登録（改）"


def test_one_bad_row_rejects_the_whole_file():
    before = count()
    rows = [row(), row(slug="import-test-cat", channels="carrier-pigeon")]
    result = procedure_import(data=csv_bytes(rows), file_name="p.csv")
    messages = import_result_messages(result)
    assert any("2 行目" in m and "carrier-pigeon" in m for m in messages), messages
    assert count() == before


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"section": "nowhere"}, "nowhere"),
        ({"life_events": "pets|space-travel"}, "space-travel"),
        ({"fee_yen": "three hundred"}, "fee_yen"),
        ({"published": "maybe"}, "maybe"),
        ({"channels": "online"}, "procedure_online_channel_has_url"),
        ({"counter_form": "passport"}, "counter_form"),
        ({"slug": "not a slug!"}, "slug"),
        ({"title": ""}, "title"),
        ({"last_reviewed": "2026-02-30"}, "last_reviewed"),
    ],
)
def test_each_bad_value_is_reported_on_its_row(overrides, fragment):
    before = count()
    result = procedure_import(data=csv_bytes([row(**overrides)]), file_name="p.csv")
    messages = import_result_messages(result)
    assert messages and any(fragment in m or "1 行目" in m for m in messages), messages
    assert count() == before


def test_unknown_columns_are_refused_by_name():
    before = count()
    r = row()
    r["colour"] = "red"
    result = procedure_import(data=csv_bytes([r]), file_name="p.csv")
    messages = import_result_messages(result)
    assert any("colour" in m for m in messages), messages
    assert count() == before


def test_missing_required_columns_are_refused():
    r = row()
    del r["title_en"]
    messages = import_result_messages(procedure_import(data=csv_bytes([r]), file_name="p.csv"))
    assert any("title_en" in m for m in messages), messages


def test_duplicate_slugs_in_one_file_are_refused():
    before = count()
    messages = import_result_messages(procedure_import(data=csv_bytes([row(), row()]), file_name="p.csv"))
    assert any("import-test-dog" in m and "重複" in m for m in messages), messages
    assert count() == before


def test_a_file_in_neither_utf8_nor_shift_jis_is_refused():
    with pytest.raises(ImportFileError, match="文字コード"):
        procedure_import(data=csv_bytes([row()], "utf-16"), file_name="p.csv")
    with pytest.raises(ImportFileError, match="文字コード"):
        procedure_import(data=b"slug,title\n\x82\xff\xfe\x81\xfc", file_name="p.csv")


def test_an_oversized_file_is_refused(settings):
    settings.CATALOGUE_IMPORT_MAX_BYTES = 1000
    with pytest.raises(ImportFileError, match="大きすぎ"):
        procedure_import(data=csv_bytes([row()] * 20), file_name="p.csv")


def test_a_broken_xlsx_or_unknown_extension_is_refused():
    with pytest.raises(ImportFileError, match="XLSX"):
        procedure_import(data=b"PK\x03\x04 not really a workbook", file_name="p.xlsx")
    with pytest.raises(ImportFileError):
        procedure_import(data=b"{}", file_name="p.json")


def test_malformed_csv_quoting_gets_a_clear_error_and_imports_nothing():
    before = count()
    data = ",".join(COLUMNS).encode() + b'\n"unterminated,quote\n'
    try:
        messages = import_result_messages(procedure_import(data=data, file_name="p.csv"))
    except ImportFileError as exc:
        messages = [exc.detail]
    assert messages
    assert count() == before


def test_html_in_text_is_stored_verbatim_and_escaped_on_output(client):
    procedure_import(data=csv_bytes([row(title="<script>alert(1)</script>犬")]), file_name="p.csv")
    response = client.get("/procedures/import-test-dog/")
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_the_command_imports_and_its_dry_run_changes_nothing(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes([row()], "cp932"))
    out = io.StringIO()
    call_command("import_procedures", str(path), "--dry-run", stdout=out)
    assert "Would import 1 new" in out.getvalue()
    assert not Procedure.objects.filter(slug="import-test-dog").exists()
    call_command("import_procedures", str(path), stdout=out)
    assert Procedure.objects.filter(slug="import-test-dog").exists()


def test_the_command_fails_with_the_row_errors(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes([row(section="nowhere")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_procedures", str(path), stderr=err)
    assert "nowhere" in err.getvalue()


def test_an_import_is_visible_on_the_public_pages_at_once(client):
    assert client.get("/procedures/import-test-dog/").status_code == 404
    client.get("/procedures/?q=犬の登録")  # warm the page cache and the index
    procedure_import(data=csv_bytes([row()]), file_name="p.csv")
    assert client.get("/procedures/import-test-dog/").status_code == 200
    assert b"import-test-dog" in client.get("/procedures/?q=犬の登録").content


def test_export_round_trips_through_import():
    from apps.catalogue.importing import ProcedureResource

    ProcedureFactory(slug="round-trip", life_events=["pets"], categories=["environment"], online=True)
    exported = ProcedureResource().export(queryset=Procedure.objects.filter(slug="round-trip"))
    Procedure.objects.filter(slug="round-trip").delete()
    result = procedure_import(data=exported.export("csv").encode(), file_name="p.csv")
    assert import_result_messages(result) == []
    again = Procedure.objects.get(slug="round-trip")
    assert again.channels == ["counter", "online"]
    assert selectors.procedure_get(slug="round-trip").life_events.get().slug == "pets"

"""Cells that a spreadsheet would run as formulas (CSV injection): defused in every export of the catalogue,
refused on import; and XLSX imports with blank cells."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from apps.catalogue.importing import COLUMNS, ProcedureResource
from apps.catalogue.models import Procedure
from apps.catalogue.services import import_result_messages, procedure_import

from .factories import ProcedureFactory, SectionFactory

pytestmark = pytest.mark.django_db

EXPORT_URL = "/admin/catalogue/procedure/export/"
EVIL = '=HYPERLINK("http://evil.example/","click")'
# One of each leading character that makes a spreadsheet cell a formula.
RISKY = {
    "title": EVIL,
    "title_en": "+1+1",
    "summary": "-2+3",
    "summary_en": "@SUM(1)",
    "audience": "\t=1",
    "keywords": "\r=1",
}


@pytest.fixture
def risky():
    return ProcedureFactory(slug="risky", fee_yen=300, **RISKY)


def _admin_export(client, file_format: str) -> bytes:
    page = client.get(EXPORT_URL)
    form = page.context["form"]
    choice = next(value for value, label in form.fields["format"].choices if label == file_format)
    data = {"format": choice, "resource": "0"}
    data.update({name: "on" for name in form.fields if name.startswith("procedureresource_")})
    response = client.post(EXPORT_URL, data)
    assert response.status_code == 200, response.content[:500]
    return response.content


def _csv_rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


# Export


def test_the_admin_csv_export_keeps_formula_text_as_text(admin_client_mfa, risky):
    rows = {r["slug"]: r for r in _csv_rows(_admin_export(admin_client_mfa, "csv"))}
    row = rows["risky"]
    for column, value in RISKY.items():
        assert row[column] == "'" + value, column
    assert row["fee_yen"] == "300"
    assert row["reading"] == "てすとてつづき"  # ordinary text untouched


def test_the_admin_xlsx_export_writes_text_cells_never_formulas(admin_client_mfa, risky):
    sheet = openpyxl.load_workbook(io.BytesIO(_admin_export(admin_client_mfa, "xlsx"))).active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("slug")].value == "risky")
    for column, value in RISKY.items():
        cell = row[header.index(column)]
        assert cell.data_type == "s", column
        assert cell.value == "'" + value.replace("\r", "\n"), column  # XML stores a CR as LF
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    fee = row[header.index("fee_yen")]
    assert fee.data_type == "n" and fee.value == 300  # numbers stay numbers


def test_the_open_data_csv_keeps_formula_text_as_text(client, risky):
    rows = {r["slug"]: r for r in _csv_rows(client.get("/api/v1/procedures.csv").content)}
    row = rows["risky"]
    for column in ("title", "title_en", "summary", "summary_en"):
        assert row[column] == "'" + RISKY[column], column
    assert row["fee_yen"] == "300"
    # The JSON list keeps the exact values for programs.
    assert client.get("/api/v1/procedures/risky").json()["title"] == EVIL


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_defused_export_imports_back_to_the_same_text(file_format, risky):
    from apps.catalogue.importing import CheckedXLSX, JapaneseCSV

    if file_format == "xlsx":  # XML stores a CR as LF; the cell is text either way
        Procedure.objects.filter(slug="risky").update(keywords="\n=1")
    expected = {c: getattr(Procedure.objects.get(slug="risky"), c) for c in RISKY}
    exported = ProcedureResource().export(queryset=Procedure.objects.filter(slug="risky"))
    if file_format == "csv":
        body = JapaneseCSV().export_data(exported).encode("utf-8")
        assert _csv_rows(body)[0]["title"] == "'" + EVIL
    else:
        body = CheckedXLSX().export_data(exported)
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        assert sheet.cell(row=2, column=COLUMNS.index("title") + 1).value == "'" + EVIL
    Procedure.objects.filter(slug="risky").delete()
    result = procedure_import(data=body, file_name=f"p.{file_format}")
    assert import_result_messages(result) == []
    again = Procedure.objects.get(slug="risky")
    assert {c: getattr(again, c) for c in RISKY} == expected
    assert again.fee_yen == 300


# Import


@pytest.fixture
def section():
    return SectionFactory(code="sheet-section")


def _base_row(**overrides) -> dict:
    row = {
        "slug": "sheet-dog",
        "title": "犬の登録",
        "title_en": "Dog registration",
        "reading": "いぬのとうろく",
        "summary": "犬を飼い始めたら登録してください。",
        "summary_en": "Register a dog.",
        "section": "sheet-section",
        "channels": "counter",
    }
    row.update(overrides)
    return row


def _xlsx(rows: list[dict], *, formulas: dict[str, str] | None = None) -> bytes:
    """A workbook as Excel saves it; `formulas` puts real formula cells (data_type 'f') in the first row."""
    book = openpyxl.Workbook()
    sheet = book.active
    header = list(rows[0])
    sheet.append(header)
    for row in rows:
        sheet.append([row[c] for c in header])
    for column, formula in (formulas or {}).items():
        cell = sheet.cell(row=2, column=header.index(column) + 1)
        cell.value = formula
        assert cell.data_type == "f"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_a_csv_cell_that_a_spreadsheet_would_run_is_refused_on_its_row(section):
    rows = [_base_row(), _base_row(slug="sheet-cat", title=EVIL)]
    result = procedure_import(data=_csv(rows), file_name="p.csv")
    messages = import_result_messages(result)
    assert any(m.startswith("2 行目 [title]:") and "数式" in m for m in messages), messages
    assert not Procedure.objects.filter(slug__startswith="sheet-").exists()


def test_an_xlsx_formula_cell_is_refused_on_its_row(section):
    body = _xlsx([_base_row(fee_yen=100)], formulas={"title": '="犬"&"の登録"', "fee_yen": "=100*3"})
    result = procedure_import(data=body, file_name="p.xlsx")
    messages = import_result_messages(result)
    assert any(m.startswith("1 行目 [title]:") and "数式" in m for m in messages), messages
    assert any(m.startswith("1 行目 [fee_yen]:") and "数式" in m for m in messages), messages
    assert not Procedure.objects.filter(slug="sheet-dog").exists()


def test_text_marked_with_an_apostrophe_imports_as_that_text(section):
    """The spreadsheet's own way of writing text that looks like a formula: the apostrophe is not data."""
    result = procedure_import(
        data=_csv([_base_row(title="'=1+1", audience="'- 18歳以上", keywords="'犬")]), file_name="p.csv"
    )
    assert import_result_messages(result) == []
    p = Procedure.objects.get(slug="sheet-dog")
    assert (p.title, p.audience, p.keywords) == ("=1+1", "- 18歳以上", "'犬")


def test_xlsx_text_that_looks_like_a_formula_is_text_not_refused(section):
    # A text cell (data_type 's') that starts with - or @ is not a formula in the workbook.
    result = procedure_import(
        data=_xlsx([_base_row(audience="- 18歳以上", keywords="@home")]), file_name="p.xlsx"
    )
    assert import_result_messages(result) == []
    p = Procedure.objects.get(slug="sheet-dog")
    assert (p.audience, p.keywords) == ("- 18歳以上", "@home")


NOT_TEXT = {
    "fee_yen", "last_reviewed", "requires_my_number_card", "published", "life_events", "core_life_events",
    "categories",
}  # fmt: skip
OPTIONAL_TEXT = [c for c in COLUMNS if c not in NOT_TEXT and c not in _base_row()]


def test_blank_optional_xlsx_cells_import_as_empty_text(section):
    row = _base_row(**{c: None for c in OPTIONAL_TEXT}, fee_yen=None, last_reviewed=None)
    result = procedure_import(data=_xlsx([row]), file_name="p.xlsx")
    assert import_result_messages(result) == []
    p = Procedure.objects.get(slug="sheet-dog")
    assert {c: getattr(p, c) for c in OPTIONAL_TEXT} == {c: "" for c in OPTIONAL_TEXT}
    assert p.fee_yen is None and p.last_reviewed is None


def test_a_blank_required_xlsx_cell_gets_a_japanese_error_not_a_database_one(section):
    result = procedure_import(data=_xlsx([_base_row(summary=None, summary_en=None)]), file_name="p.xlsx")
    messages = import_result_messages(result)
    assert messages and all("NOT NULL" not in m and "constraint" not in m.lower() for m in messages), messages
    assert any(m.startswith("1 行目 [summary]:") for m in messages), messages
    assert not Procedure.objects.filter(slug="sheet-dog").exists()


def _admin_import(client, body: bytes, name: str) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.get("/admin/catalogue/procedure/import/")
    choices = dict((label, value) for value, label in page.context["form"].fields["format"].choices)
    response = client.post(
        "/admin/catalogue/procedure/import/",
        {
            "resource": "0",
            "format": choices[name.rsplit(".", 1)[1]],
            "import_file": SimpleUploadedFile(name, body),
        },
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_import_shows_the_formula_refusal_in_japanese(admin_client_mfa, section):
    html = _admin_import(admin_client_mfa, _xlsx([_base_row()], formulas={"title": "=1+1"}), "p.xlsx")
    assert "数式は取り込めません" in html
    assert not Procedure.objects.filter(slug="sheet-dog").exists()


def test_the_admin_import_of_blank_xlsx_cells_shows_no_database_error(admin_client_mfa, section):
    row = _base_row(**{c: None for c in OPTIONAL_TEXT})
    html = _admin_import(admin_client_mfa, _xlsx([row, {**row, "slug": "sheet-cat"}]), "p.xlsx")
    assert "NOT NULL" not in html and "IntegrityError" not in html
    assert 'name="import_file_name"' in html  # the dry run went through: confirm form offered

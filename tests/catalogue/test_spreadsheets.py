"""XLSX imports with blank cells: empty text, or a clear error for a required column."""

from __future__ import annotations

import io

import openpyxl
import pytest

from apps.catalogue.importing import COLUMNS
from apps.catalogue.models import Procedure
from apps.catalogue.services import import_result_messages, procedure_import

from .factories import SectionFactory

pytestmark = pytest.mark.django_db


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


def _xlsx(rows: list[dict]) -> bytes:
    """A workbook as Excel saves it."""
    book = openpyxl.Workbook()
    sheet = book.active
    header = list(rows[0])
    sheet.append(header)
    for row in rows:
        sheet.append([row[c] for c in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


NOT_TEXT = {"fee_yen", "last_reviewed", "requires_my_number_card", "published", "life_events", "categories"}
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

"""Spreadsheets in and out through django-import-export, with one rule for cells that would run as formulas.

Out: every cell of a CSV or XLSX export goes through textfiles.spreadsheet_safe, as excel_csv does: text that
a spreadsheet would run is kept as text with a leading apostrophe (tablib would otherwise write an XLSX
formula cell). In: a formula (an XLSX formula cell, or text starting with "=") is refused on its row, since
its value is whatever the spreadsheet last computed, if anything; the apostrophe of a defused cell is not
data, so an export imports back unchanged. A blank cell of a text field is empty text, as Django stores it.
"""

from __future__ import annotations

import io

import openpyxl
import tablib
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.formats import base_formats

from .textfiles import spreadsheet_safe, spreadsheet_text


def spreadsheet_safe_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of `dataset` with every cell through spreadsheet_safe (numbers stay numbers)."""
    safe = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        safe.append([spreadsheet_safe(cell) for cell in row])
    return safe


class SafeExportMixin:
    """For an import-export format: its export never holds a cell that a spreadsheet would run."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(spreadsheet_safe_dataset(dataset), **kwargs)


class SpreadsheetCSV(SafeExportMixin, base_formats.CSV):
    """CSV as Excel in Japan opens it: UTF-8 with a BOM (without one, Excel reads it as Shift_JIS and
    garbles every Japanese cell), like excel_csv."""

    def export_data(self, dataset, **kwargs):
        return "\ufeff" + super().export_data(dataset, **kwargs)


def _xlsx_cell(cell):
    if cell.data_type == "f":  # the formula itself ("=…"; an array formula is an object with .text)
        value = getattr(cell.value, "text", cell.value)
        return value if isinstance(value, str) and value.startswith("=") else f"={value}"
    # A text cell is text even when it starts with "=" (typed with an apostrophe in Excel): written as
    # a CSV cell would be, so that the resource reads both formats by one rule.
    return spreadsheet_safe(cell.value) if cell.data_type == "s" else cell.value


class SpreadsheetXLSX(SafeExportMixin, base_formats.XLSX):
    """XLSX whose formula cells are read as their formulas, not as the value last computed (which a file
    written by a program does not even hold), so that the resource can refuse them."""

    def create_dataset(self, in_stream):
        book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=False)
        rows = book.active.iter_rows()
        dataset = tablib.Dataset()
        dataset.headers = [cell.value for cell in next(rows, ())]
        width = len(dataset.headers)
        for row in rows:
            values = [_xlsx_cell(cell) for cell in row][:width]
            dataset.append(values + [None] * (width - len(values)))
        return dataset


# The same Shift_JIS bytes decode to different characters as JIS X 0208 or as CP932 (what Excel in Japan
# writes): 〜 and ～ (0x8160), ‖ and ∥, − and －, ¢ £ ¬ and their full-width forms. A file that went out and
# came back through Excel holds the CP932 one of each pair, also in text nobody edited.
_SHIFT_JIS_TWINS = {
    "\uff5e": "\u301c", "\u2225": "\u2016", "\uff0d": "\u2212", "\uffe0": "\u00a2", "\uffe1": "\u00a3",
    "\uffe2": "\u00ac",
}  # fmt: skip


def keep_stored_twins(new: str, stored: str) -> str:
    """`new` with each Shift_JIS twin written as `stored` writes it (where `stored` uses one of the two)."""
    for cp932_form, jis_form in _SHIFT_JIS_TWINS.items():
        if jis_form in stored and cp932_form not in stored:
            new = new.replace(cp932_form, jis_form)
        elif cp932_form in stored and jis_form not in stored:
            new = new.replace(jis_form, cp932_form)
    return new


class SpreadsheetResource(resources.ModelResource):
    """Base of the project's import-export resources (use it with SpreadsheetCSV and SpreadsheetXLSX)."""

    # import-export maps no widget to TextField, and its plain Widget passes a blank XLSX cell on as None
    # to a NOT NULL column (a raw database error on every row): text fields all clean through CharWidget.
    WIDGETS_MAP = {**resources.ModelResource.WIDGETS_MAP, "TextField": widgets.CharWidget}

    @classmethod
    def widget_kwargs_for_field(cls, field_name, django_field):
        kwargs = super().widget_kwargs_for_field(field_name, django_field)
        # Numbers stay numbers: import-export renders them as text unless the format is exactly one of its
        # own binary classes (a subclass such as a project XLSX format is not), so an XLSX got text cells.
        if isinstance(django_field, models.IntegerField | models.DecimalField | models.FloatField):
            kwargs.setdefault("coerce_to_string", False)
        return kwargs

    def import_instance(self, instance, row, **kwargs):
        """A stored text that comes back through Excel keeps its own form of each Shift_JIS twin: a round trip
        changes nothing and reports the row unchanged (skip_unchanged), not updated; real edits stay."""
        stored = (
            {}
            if instance._state.adding
            else {
                f.attname: getattr(instance, f.attname)
                for f in instance._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField)
            }
        )
        super().import_instance(instance, row, **kwargs)
        for attname, old in stored.items():
            new = getattr(instance, attname)
            if isinstance(new, str) and isinstance(old, str) and new != old:
                setattr(instance, attname, keep_stored_twins(new, old))

    def before_import_row(self, row, **kwargs):
        formulas = {}
        for column, value in row.items():
            if isinstance(value, str) and value.startswith("="):
                formulas[column] = _(
                    "数式は取り込めません。計算した値を入力してください"
                    "（「=」で始まる文字にするときは先頭に「'」を付けます）。"
                )
            else:
                row[column] = spreadsheet_text(value)
        if formulas:
            raise ValidationError(formulas)
        super().before_import_row(row, **kwargs)

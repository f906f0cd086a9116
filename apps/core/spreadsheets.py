"""Spreadsheets imported through django-import-export: the rules every resource of the project shares.

A blank cell of a text field is empty text, as Django stores it.
"""

from __future__ import annotations

from import_export import resources, widgets


class SpreadsheetResource(resources.ModelResource):
    """Base of the project's import-export resources."""

    # import-export maps no widget to TextField, and its plain Widget passes a blank XLSX cell on as None
    # to a NOT NULL column (a raw database error on every row): text fields all clean through CharWidget.
    WIDGETS_MAP = {**resources.ModelResource.WIDGETS_MAP, "TextField": widgets.CharWidget}

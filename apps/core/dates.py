"""Dates as Japanese forms print them: the era year first (和暦), the Western year beside it.

A counter clerk reads birth dates as 「昭和55年2月17日」; residents born in 令和 or 平成 often know only the
era year. The official forms therefore show both: 昭和55年（1980年）2月17日. In English the date is written
out in full (17 February 1980).
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats, translation

# The first day of each era in the Gregorian calendar, newest first. Japan took up the Gregorian calendar
# on 明治6年1月1日 (1873); earlier dates are not given an era here (no living resident was born then).
ERAS: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
    (dt.date(1912, 7, 30), "大正"),
    (dt.date(1873, 1, 1), "明治"),
)
MEIJI_FIRST_YEAR = 1868


def as_date(value) -> dt.date | None:
    """A date from a date, a datetime or an ISO string (as kept in a request's JSON data); else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def era_year(day: dt.date) -> str | None:
    """「昭和55年」, 「令和元年」 for the first year of an era; None before 1873."""
    for start, name in ERAS:
        if day >= start:
            first_year = MEIJI_FIRST_YEAR if name == "明治" else start.year
            year = day.year - first_year + 1
            return f"{name}{'元' if year == 1 else year}年"
    return None


def form_date(value, language: str | None = None) -> str:
    """The date as a form prints it in the given (else the active) language; other values unchanged."""
    day = as_date(value)
    if day is None:
        return "" if value is None else str(value)
    language = language or translation.get_language() or "ja"
    if language.startswith("ja"):
        era = era_year(day)
        western = f"{day.year}年"
        year = f"{era}（{western}）" if era else western
        return f"{year}{day.month}月{day.day}日"
    with translation.override(language):
        return formats.date_format(day, "j F Y")

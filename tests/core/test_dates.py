import datetime as dt

import pytest
from django.utils import translation

from apps.core.dates import era_year, form_date


@pytest.mark.parametrize(
    ("day", "era"),
    [
        (dt.date(2019, 5, 1), "令和元年"),
        (dt.date(2019, 4, 30), "平成31年"),
        (dt.date(1989, 1, 8), "平成元年"),
        (dt.date(1989, 1, 7), "昭和64年"),
        (dt.date(1926, 12, 25), "昭和元年"),
        (dt.date(1926, 12, 24), "大正15年"),
        (dt.date(1912, 7, 30), "大正元年"),
        (dt.date(1912, 7, 29), "明治45年"),
        (dt.date(1873, 1, 1), "明治6年"),
        (dt.date(2026, 11, 22), "令和8年"),
        (dt.date(1872, 12, 31), None),
    ],
)
def test_the_era_year_changes_on_the_first_day_of_each_era(day, era):
    assert era_year(day) == era


def test_a_form_prints_the_era_and_the_western_year_in_japanese():
    assert form_date("1980-02-17", "ja") == "昭和55年（1980年）2月17日"
    assert form_date(dt.date(2020, 1, 5), "ja") == "令和2年（2020年）1月5日"
    assert form_date(dt.datetime(1989, 1, 8, 9, 0), "ja") == "平成元年（1989年）1月8日"


def test_english_writes_the_date_out_and_the_active_language_is_the_default():
    assert form_date("1980-02-17", "en") == "17 February 1980"
    with translation.override("en"):
        assert form_date("1980-02-17") == "17 February 1980"
    with translation.override("ja"):
        assert form_date("1980-02-17") == "昭和55年（1980年）2月17日"


@pytest.mark.parametrize(
    ("value", "shown"), [("", ""), (None, ""), ("不明", "不明"), ("1980-13-01", "1980-13-01")]
)
def test_what_is_not_a_date_is_shown_as_it_is(value, shown):
    assert form_date(value, "ja") == shown

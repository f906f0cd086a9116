"""Reading the CSV of daily steps that a resident exports from a health app (for the steps campaigns).

Pure parsing, no database: `steps_csv_read` turns the bytes into {day: steps}, or refuses the whole file
with one message that names the first bad lines. Health apps differ in everything but the essentials,
so the reader is lenient about the form (encoding, delimiter, header wording, extra columns, several rows
per day) and strict about the content (a real date, a whole number of steps).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from apps.core.errors import ApplicationError
from apps.core.textfiles import decode_japanese_csv

MAX_BYTES = 1024 * 1024
# Apps that export per hour or per source write many rows a day: 5,000 rows is about seven months per hour.
MAX_ROWS = 5000
MAX_STEPS_PER_ROW = 100_000  # more in one row is not walking but a broken file
BAD_LINES_SHOWN = 5
HEADER_SEARCH_ROWS = 5  # some apps write a title or the person's name above the header

# Header cells compared after _header_key (NFKC, lower case, no spaces/_/-, no unit in brackets).
DATE_HEADERS = (
    "日付", "年月日", "日", "日時", "開始日時", "開始日", "開始", "記録日", "測定日",
    "date", "day", "datetime", "startdate", "starttime", "start", "startdatetime", "creationdate",
)  # fmt: skip
STEPS_HEADERS = (
    "歩数", "歩数合計", "合計歩数", "総歩数", "歩", "ステップ", "ステップ数",
    "steps", "step", "stepcount", "stepscount", "stepstotal", "totalsteps",
)  # fmt: skip

_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:$|[ T]\S*|\s.*)")
_UNIT = re.compile(r"[(\[].*?[)\]]")


# The same wording as the catalogue import.
ENCODING_HELP = _lazy(
    "ファイルの文字コードを判別できません。UTF-8 または Shift_JIS (CP932) の CSV を使ってください。"
)


class StepsFileError(ApplicationError):
    code = "invalid_steps_file"


def _refuse(message) -> StepsFileError:
    return StepsFileError(str(message), code="invalid_steps_file")


def _no_header() -> StepsFileError:
    return _refuse(
        _(
            "日付と歩数の列の見出し（例: 「日付,歩数」または「date,steps」）が見つかりません。"
            "健康アプリから書き出した CSV をそのまま選んでください。"
        )
    )


def decode_csv_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM) or CP932, decided from the bytes (the rule of every CSV upload)."""
    try:
        return decode_japanese_csv(data)
    except UnicodeDecodeError:
        raise _refuse(ENCODING_HELP) from None


def _header_key(cell: str) -> str:
    text = unicodedata.normalize("NFKC", cell).strip().strip('"').lower()
    text = _UNIT.sub("", text)
    return re.sub(r"[\s_\-・:]", "", text)


def _find_column(keys: list[str], wanted: tuple[str, ...]) -> int | None:
    for name in wanted:  # the most specific names first, whatever the column order
        if name in keys:
            return keys.index(name)
    return None


def parse_day(cell: str) -> dt.date | None:
    """A date as YYYY-MM-DD, YYYY/MM/DD, YYYY年M月D日, or a date and time (the date part is taken)."""
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", cell).strip())
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_steps(cell: str) -> int | None:
    """A whole, non-negative number of steps; "8,000" and "8000歩" are accepted, an empty cell is 0."""
    text = unicodedata.normalize("NFKC", cell).strip().replace(",", "").removesuffix("歩").strip()
    if not text:
        return 0  # Google Fit leaves the cell empty on a day without data
    if not text.isascii() or not text.isdigit():
        return None
    steps = int(text)
    return steps if steps <= MAX_STEPS_PER_ROW else None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def steps_csv_read(data: bytes) -> dict[dt.date, int]:
    """The steps of each day in the file, rows of the same day summed; StepsFileError for a bad file."""
    if len(data) > MAX_BYTES:
        raise _refuse(
            _("ファイルが大きすぎます（上限 %(limit)s KB）。期間を短くして書き出してください。")
            % {"limit": MAX_BYTES // 1024}
        )
    text = decode_csv_bytes(data)
    first = text.lstrip().split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    days: dict[dt.date, int] = {}
    bad: list[int] = []
    date_col = steps_col = None
    rows = skipped = 0
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if date_col is None or steps_col is None:
                keys = [_header_key(cell) for cell in row]
                date_col, steps_col = _find_column(keys, DATE_HEADERS), _find_column(keys, STEPS_HEADERS)
                skipped += 1
                if (date_col is None or steps_col is None) and skipped >= HEADER_SEARCH_ROWS:
                    raise _no_header()
                continue
            rows += 1
            if rows > MAX_ROWS:
                raise _refuse(
                    _("行が多すぎます（上限 %(limit)s 行）。期間を短くして書き出してください。")
                    % {"limit": f"{MAX_ROWS:,}"}
                )
            cells = row + [""] * (max(date_col, steps_col) + 1 - len(row))
            day, steps = parse_day(cells[date_col]), parse_steps(cells[steps_col])
            if day is None or steps is None:
                bad.append(reader.line_num)
                continue
            days[day] = days.get(day, 0) + steps
    except csv.Error:
        raise _refuse(
            _("CSV として読み込めません（%(line)s 行目付近）。書き出したファイルをそのまま選んでください。")
            % {"line": reader.line_num}
        ) from None
    if not skipped:
        raise _refuse(_("ファイルが空です。健康アプリから書き出した歩数の CSV を選んでください。"))
    if date_col is None or steps_col is None:
        raise _no_header()
    if bad:
        shown = _("、").join(_("%(n)s行目") % {"n": n} for n in bad[:BAD_LINES_SHOWN])
        more = len(bad) - BAD_LINES_SHOWN
        if more > 0:
            shown += _("（ほか %(n)s 行）") % {"n": more}
        raise _refuse(
            _(
                "日付または歩数を読み取れない行があるため、取り込みませんでした: %(lines)s。"
                "日付は 2026-04-01 のように、歩数は 0 以上の整数で書かれている必要があります。"
            )
            % {"lines": shown}
        )
    if not days:
        raise _refuse(_("歩数の記録がありません。健康アプリから書き出した歩数の CSV を選んでください。"))
    return days

"""CSV as Japanese residents and offices produce it (uploads) and open it (downloads)."""

import csv
import io
from collections.abc import Iterable


def decode_japanese_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or CP932/Shift_JIS as Excel writes it in Japan, decided from the bytes.

    Raises UnicodeDecodeError for anything else (UTF-16, a binary file): the caller words the error.
    """
    if b"\x00" in data:  # UTF-16 or a binary file (an image, a zip)
        raise UnicodeDecodeError("utf-8", data[:1], 0, 1, "NUL byte: not a UTF-8 or CP932 text file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp932")


# A leading =, +, -, @, tab or CR makes a spreadsheet cell a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """The value as a spreadsheet cell that never runs: text that would be a formula is kept as text with
    a leading apostrophe (the spreadsheet's own text marker). Numbers stay numbers. Every CSV and XLSX
    download goes through this rule (excel_csv, apps.core.spreadsheets)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def spreadsheet_text(value):
    """The inverse on import: the apostrophe of a cell that spreadsheet_safe defused is not data."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def excel_csv(header: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """CSV as Excel in Japan opens it: UTF-8 with BOM, CRLF, a header row, and no cell that a spreadsheet
    would run as a formula (spreadsheet_safe)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")

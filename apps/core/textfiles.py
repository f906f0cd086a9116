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


def _spreadsheet_safe(value):
    # Text opened in a spreadsheet must not run as a formula (CSV injection): a leading =, +, -, @, tab or
    # CR makes it one, so such a cell is kept as text with a leading apostrophe. Numbers stay numbers.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def excel_csv(header: Iterable[str], rows: Iterable[Iterable], *, guard_formulas: bool = True) -> bytes:
    """CSV as Excel in Japan opens it: UTF-8 with BOM, CRLF, a header row. Text cells that a spreadsheet
    would run as formulas are defused unless `guard_formulas` is off (open data read by programs)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_spreadsheet_safe(cell) for cell in row] if guard_formulas else row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")

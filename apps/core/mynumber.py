"""The My Number guard: the 12-digit individual number (個人番号) is never collected, stored or logged.

番号法 §19–20 forbid collecting it outside the legal purposes. Free text that contains a valid number
(check digit per the ordinance: weights 6,5,4,3,2,7,6,5,4,3,2 on the first 11 digits) is refused, and
log records are masked before they are written.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# Twelve digits, optionally split by single spaces or hyphens (after NFKC: full-width forms fold in).
_CANDIDATE = re.compile(r"(?<![0-9])[0-9](?:[ \-\u2010-\u2015\u2212\u30fc]?[0-9]){11}(?![0-9])")
MASK = "[個人番号マスク]"


def check_digit(first_eleven: str) -> int:
    r = sum(int(d) * w for d, w in zip(first_eleven, _WEIGHTS, strict=True)) % 11
    return 0 if r <= 1 else 11 - r


def is_my_number(digits: str) -> bool:
    """True when `digits` (12 ASCII digits) is a valid individual number."""
    return len(digits) == 12 and digits.isdigit() and check_digit(digits[:11]) == int(digits[11])


def _spans(text: str) -> list[tuple[int, int]]:
    folded = unicodedata.normalize("NFKC", text)
    if len(folded) != len(text):
        # NFKC changed the length (rare ligatures): fall back to scanning the folded text only.
        return (
            [(-1, -1)]
            if any(is_my_number(re.sub(r"\D", "", m.group())) for m in _CANDIDATE.finditer(folded))
            else []
        )
    return [m.span() for m in _CANDIDATE.finditer(folded) if is_my_number(re.sub(r"\D", "", m.group()))]


def contains_my_number(text: str) -> bool:
    return bool(text) and bool(_spans(str(text)))


def mask_my_numbers(text: str) -> str:
    spans = _spans(text)
    if not spans:
        return text
    if spans == [(-1, -1)]:
        return MASK
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


def validate_no_my_number(value) -> None:
    """Model/form validator for every free-text field of the project."""
    if isinstance(value, str) and contains_my_number(value):
        raise ValidationError(
            _(
                "個人番号（マイナンバー）と思われる12桁の番号が含まれています。法律により、この窓口では"
                "個人番号をお預かりできません。番号を消してから送信してください。"
            ),
            code="my_number",
        )


class MyNumberMaskingFilter(logging.Filter):
    """Masks individual numbers in log records (message and arguments) before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        masked = mask_my_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_record_masking() -> None:
    """Mask numbers when a log record is created, so every handler (console, files, error trackers)
    sees the masked text, not only the handlers configured with MyNumberMaskingFilter."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_masks_my_number", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        MyNumberMaskingFilter().filter(record)
        return record

    factory._masks_my_number = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)

"""The My Number guard: the 12-digit individual number (個人番号) is never collected, stored or logged.

番号法 §19–20 forbid collecting it outside the legal purposes. Free text that contains a valid number
(check digit per the ordinance: weights 6,5,4,3,2,7,6,5,4,3,2 on the first 11 digits) is refused, and
log records are masked before they are written.

`fold()` is the one normal form: the guard looks at text as the code stores it (the search's normal form
is built on it), so no separator, width or invisible character can carry a number past the guard and
into storage. Ids the code makes (UUIDs, hex and token runs) are not people's text and are left alone.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import unquote_plus

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
MASK = "[個人番号マスク]"

# Control (but tab and newlines), format (zero-width, soft hyphen, bidi, word joiner, BOM), surrogate and
# private-use characters: typed or pasted inside a word or a number, they must not split it.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ud800-\uf8ff]"
)
_DIGITS = re.compile(r"[0-9]+")
# Between the groups of one number a person puts a few separators (spaces, dashes, dots, slashes, an
# IME's long-vowel mark...), never a letter, a kana or a kanji; nor a colon, which joins a date to its time
# ("2026-12-04 10:30"), not digits of one number.
_GAP_MAX = 6
# Ids the code makes: a UUID, or a run of 16+ letters and digits with both in it (hashes, tokens).
_MACHINE_ID = re.compile(
    r"(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z])"
    r"|(?<![0-9A-Za-z])(?=[0-9A-Za-z]*[A-Za-z])(?=[0-9A-Za-z]*[0-9])[0-9A-Za-z]{16,}(?![0-9A-Za-z])"
)


def fold(text: str) -> str:
    """Invisible characters dropped, then NFKC (full-width digits and letters, ideographic space...)."""
    return unicodedata.normalize("NFKC", INVISIBLE.sub("", text))


def check_digit(first_eleven: str) -> int:
    r = sum(int(d) * w for d, w in zip(first_eleven, _WEIGHTS, strict=True)) % 11
    return 0 if r <= 1 else 11 - r


def is_my_number(digits: str) -> bool:
    """True when `digits` (12 ASCII digits) is a valid individual number."""
    return (
        len(digits) == 12
        and digits.isascii()
        and digits.isdigit()
        and check_digit(digits[:11]) == int(digits[11])
    )


def _is_gap(text: str) -> bool:
    return 0 < len(text) <= _GAP_MAX and all((not ch.isalnum() and ch != ":") or ch == "ー" for ch in text)


def _folded_with_index(text: str) -> tuple[str, list[int]]:
    """`fold(text)` character by character, with the index in `text` each folded character came from."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if INVISIBLE.match(ch):
            continue
        for f in unicodedata.normalize("NFKC", ch):
            out.append(f)
            index.append(i)
    return "".join(out), index


def _folded_spans(folded: str) -> list[tuple[int, int]]:
    """Spans of `folded` that hold a valid number: 12 digits in groups joined by short separator gaps."""
    groups = [m.span() for m in _DIGITS.finditer(folded)]
    if sum(end - start for start, end in groups) < 12:
        return []
    machine = [m.span() for m in _MACHINE_ID.finditer(folded)]
    chains: list[list[tuple[int, int]]] = []
    for group in groups:
        if chains and _is_gap(folded[chains[-1][-1][1] : group[0]]):
            chains[-1].append(group)
        else:
            chains.append([group])
    spans: list[tuple[int, int]] = []
    for chain in chains:
        for i in range(len(chain)):
            digits = ""
            for j in range(i, len(chain)):
                digits += folded[chain[j][0] : chain[j][1]]
                if len(digits) >= 12:
                    break
            span = (chain[i][0], chain[j][1])
            if len(digits) != 12 or not is_my_number(digits):
                continue
            if any(start <= span[0] and span[1] <= end for start, end in machine):
                continue
            if spans and span[0] < spans[-1][1]:
                spans[-1] = (spans[-1][0], span[1])  # overlapping candidates: mask both as one
            else:
                spans.append(span)
    return spans


def _spans(text: str) -> list[tuple[int, int]]:
    if sum(ch.isdigit() for ch in text) < 12:
        return []
    folded, index = _folded_with_index(text)
    return [(index[start], index[end - 1] + 1) for start, end in _folded_spans(folded)]


def contains_my_number(text: str) -> bool:
    return bool(text) and bool(_spans(str(text)))


def carries_my_number(text: str) -> bool:
    """`contains_my_number`, also after URL decoding (a number sent in a query string or a form body)."""
    encoded = "%" in text or "+" in text
    return contains_my_number(text) or (encoded and contains_my_number(unquote_plus(text)))


def mask_my_numbers(text: str) -> str:
    """`text` with every valid number replaced by MASK; URL-encoded text (access logs) is decoded first."""
    spans = _spans(text)
    if not spans and ("%" in text or "+" in text):
        decoded = unquote_plus(text)
        if decoded != text and _spans(decoded):
            text, spans = decoded, _spans(decoded)
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


def validate_no_my_number(value) -> None:
    """Model/form validator for every field that keeps a person's text (free text, chosen ids, e-mails)."""
    if isinstance(value, str) and carries_my_number(value):
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

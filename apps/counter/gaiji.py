"""Characters outside JIS X 0208 (外字): the clerk must check them against the register by hand."""

from __future__ import annotations

import unicodedata

GAIJI_FIELDS = (
    "requester_name",
    "requester_address",
    "subject_name",
    "subject_address",
    "honseki",
    "hittosha",
)


def gaiji_characters(text: str) -> list[str]:
    """Characters of `text` that JIS X 0208 (as ISO-2022-JP) cannot encode."""
    found = []
    for ch in unicodedata.normalize("NFC", text):
        if ch.isspace() or ch.isascii():
            continue
        try:
            ch.encode("iso2022_jp")
        except UnicodeEncodeError:
            if ch not in found:
                found.append(ch)
    return found


def fields_with_gaiji(data: dict) -> list[dict]:
    return [
        {"field": name, "characters": chars}
        for name in GAIJI_FIELDS
        if (chars := gaiji_characters(str(data.get(name, ""))))
    ]

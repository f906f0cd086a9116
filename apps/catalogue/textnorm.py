"""One normal form for search text: what residents type and what the catalogue says meet here."""

import re

import jaconv

from apps.core.mynumber import fold

_SEPARATORS = re.compile(r"[\s・、。，．,./\\|()（）「」『』【】\[\]{}<>＜＞:;：；!?！？\"'`~^*+=&%$#@\-_]+")


def normalize(text: str) -> str:
    """NFKC (half-width kana, full-width letters and digits), lower case, katakana to hiragana."""
    text = fold(text).lower()  # the My Number guard's normal form: what is stored is what it checked
    text = jaconv.kata2hira(text)
    text = _SEPARATORS.sub(" ", text)
    return " ".join(text.split())

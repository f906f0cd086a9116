"""One normal form for search text: what residents type and what the catalogue says meet here."""

import re
import unicodedata

import jaconv

_SEPARATORS = re.compile(r"[\s・、。，．,./\\|()（）「」『』【】\[\]{}<>＜＞:;：；!?！？\"'`~^*+=&%$#@\-_]+")

# Control (but tab and newlines), format (zero-width, bidi), surrogate and private-use characters
# are dropped: typed or pasted inside a word, they must not split it.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ud800-\uf8ff]"
)


def normalize(text: str) -> str:
    """NFKC (half-width kana, full-width letters and digits), lower case, katakana to hiragana."""
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = jaconv.kata2hira(text)
    text = _SEPARATORS.sub(" ", text)
    return " ".join(text.split())

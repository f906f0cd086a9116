"""Readings in hiragana of what the catalogue writes in kanji, so that a word typed in kana finds it.

The procedure's `reading` field covers its title only; residents also type in kana the words of
summaries, of what to bring and of keywords (こくみんけんこうほけん, としょかん). SudachiPy with its small
dictionary reads each text once when the search index is built (a few milliseconds per procedure), word
by word: the reading keeps where each word starts, so that a kana query matches from the start of a word and
not from the middle of two (しんこく|ほけん does not contain the word こくほ).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from sudachipy import Dictionary, SplitMode

from .textnorm import normalize

# Words that have a reading: some kana or kanji. Latin letters, digits and symbols end a run instead (their
# "readings" would be spelled-out letters, digits and キゴウ for every bracket).
_JAPANESE = re.compile(r"[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe\u3400-\u9fff\uf900-\ufaff々〆]")
_KANA = re.compile(r"[\u3041-\u3096\u30fc]+")

_local = threading.local()
_dictionary_lock = threading.Lock()
_dictionary: Dictionary | None = None


def _tokenizer():
    # A Sudachi tokenizer is not safe to share between threads (gunicorn's gthread workers); the dictionary,
    # memory-mapped, is loaded once per process.
    global _dictionary
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        with _dictionary_lock:
            if _dictionary is None:
                _dictionary = Dictionary(dict="small")
            tokenizer = _dictionary.tokenizer(mode=SplitMode.A)
        _local.tokenizer = tokenizer
    return tokenizer


@dataclass(frozen=True)
class Reading:
    """A text's reading in the search's normal form; runs of Japanese words are separated by a space."""

    text: str
    starts: frozenset[int]  # where a word starts in `text`

    def has_word_sequence(self, kana: str) -> bool:
        """Whether `kana` occurs here beginning at the start of a word."""
        at = self.text.find(kana)
        while at >= 0:
            if at in self.starts:
                return True
            at = self.text.find(kana, at + 1)
        return False


EMPTY = Reading("", frozenset())


@lru_cache(maxsize=16384)
def reading(text: str) -> Reading:
    """The hiragana reading of `text`, word by word (cached: rebuilding the index reads nothing twice)."""
    if not text or not _JAPANESE.search(text):
        return EMPTY
    parts: list[str] = []
    starts: set[int] = set()
    length = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        for morpheme in _tokenizer().tokenize(line):
            surface = morpheme.surface()
            if not _JAPANESE.search(surface):
                if parts and parts[-1] != " ":
                    parts.append(" ")
                    length += 1
                continue
            word = normalize(morpheme.reading_form())
            if not word or not _KANA.fullmatch(word):
                word = normalize(surface)  # a word the dictionary does not know is kept as written
            starts.add(length)
            parts.append(word)
            length += len(word)
        if parts and parts[-1] != " ":
            parts.append(" ")
            length += 1
    return Reading("".join(parts).rstrip(), frozenset(starts))


def is_kana(text: str) -> bool:
    """Whether a normalised query term is written in kana only (hiragana and the long-vowel mark)."""
    return bool(_KANA.fullmatch(text))

"""Search over the catalogue as residents type it.

The catalogue is small (hundreds to a few thousand rows) and changes rarely, so the index is built in
process from the published rows and kept per catalogue version. Japanese has no spaces between words,
so Japanese text is matched by character bigrams after normalisation (NFKC folds half-width katakana and
full-width letters and digits; katakana is folded to hiragana so that readings match); Latin text is
matched by Snowball stems. Synonyms and abbreviations expand each query term into alternatives.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from .synonyms import SYNONYMS
from .textnorm import normalize

MAX_QUERY_CHARS = 100
_STEMMER = snowballstemmer.stemmer("english")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u30fc々〆ヶ]+")
_ENGLISH_STOP = frozenset(
    "a an and are as at be by can do for from get how i in is it me my need of on or the to want what when "
    "where who with you your".split()
)

# Field weights: where a match is found says how much it counts.
WEIGHTS = {
    "title": 1.0,
    "reading": 0.9,
    "keywords": 0.85,
    "title_en": 0.8,
    "facets": 0.5,
    "summary": 0.35,
    "summary_en": 0.3,
    "extra": 0.2,
}
MIN_SCORE = 0.3


def clean_query(raw: str) -> str:
    """The query as shown back to the resident: control characters out, length bounded."""
    text = "".join(ch for ch in raw if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def _bigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            grams.add(run)
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    # The vocabulary is small and the pure-Python stemmer slow: remember every word.
    return _STEMMER.stemWord(word)


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in _LATIN_WORD.findall(text)}


@dataclass
class _Field:
    text: str
    grams: set[str]
    stems: set[str]


@dataclass
class IndexedDoc:
    pk: int
    title: str
    fields: dict[str, _Field] = field(default_factory=dict)


def index_document(pk: int, **texts: str) -> IndexedDoc:
    doc = IndexedDoc(pk=pk, title=normalize(texts.get("title", "")))
    for name in WEIGHTS:
        text = normalize(texts.get(name, ""))
        doc.fields[name] = _Field(text=text, grams=_bigrams(text), stems=_stems(text))
    return doc


@dataclass
class _Alternative:
    text: str
    grams: set[str]
    stems: list[str]


def _alternatives(term: str) -> list[_Alternative]:
    variants = {term}
    for key, values in SYNONYMS.items():
        if key == term or (len(key) >= 2 and key in term and _CJK_RUN.search(key)):
            for value in values:
                variants.add(term.replace(key, value) if key != term else value)
    alts = []
    for variant in variants:
        stems = [_stem(w) for w in _LATIN_WORD.findall(variant) if w not in _ENGLISH_STOP]
        alts.append(_Alternative(text=variant, grams=_bigrams(variant), stems=stems))
    return alts


def parse_query(query: str) -> list[list[_Alternative]]:
    """Split the query into terms, each a list of alternative spellings (synonyms included)."""
    norm = normalize(query)
    terms = []
    whole = SYNONYMS.get(norm)
    if whole and " " in norm:
        # A multi-word phrase known as a whole ("moving in") is one term.
        return [_alternatives(norm)]
    for term in norm.split():
        if term in _ENGLISH_STOP:
            continue
        alts = [a for a in _alternatives(term) if a.grams or a.stems]
        if alts:
            terms.append(alts)
    return terms


def _score_alternative(doc: IndexedDoc, alt: _Alternative) -> float:
    units = len(alt.grams) + len(alt.stems)
    if not units:
        return 0.0
    total = 0.0
    for gram in alt.grams:
        total += max((WEIGHTS[n] for n, f in doc.fields.items() if gram in f.grams), default=0.0)
    for stem in alt.stems:
        best = 0.0
        for name, f in doc.fields.items():
            if stem in f.stems or (len(stem) >= 4 and any(s.startswith(stem) for s in f.stems)):
                best = max(best, WEIGHTS[name])
        total += best
    score = total / units
    # Whole-phrase matches beat scattered bigrams; an exact or leading title match beats both.
    text = alt.text
    if len(text) >= 2:
        if text in doc.title:
            score += (
                0.5 + (0.3 if doc.title.startswith(text) else 0.0) + 0.3 * len(text) / max(len(doc.title), 1)
            )
        elif text in doc.fields["reading"].text:
            score += 0.4 + (0.2 if doc.fields["reading"].text.startswith(text) else 0.0)
        elif text in doc.fields["keywords"].text or text in doc.fields["title_en"].text:
            score += 0.35
    return score


def score(doc: IndexedDoc, terms: list[list[_Alternative]]) -> float:
    return sum(max(_score_alternative(doc, alt) for alt in alts) for alts in terms)


def rank(docs: list[IndexedDoc], query: str) -> list[tuple[int, float]]:
    """(pk, score) of the documents matching the query, best first."""
    terms = parse_query(query)
    if not terms:
        return []
    threshold = MIN_SCORE * len(terms)
    scored = [(doc, score(doc, terms)) for doc in docs]
    hits = [(doc, s) for doc, s in scored if s >= threshold]
    hits.sort(key=lambda item: (-item[1], len(item[0].title), item[0].pk))
    return [(doc.pk, s) for doc, s in hits]

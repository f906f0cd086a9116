"""Search over the catalogue as residents type it.

The catalogue is small (hundreds to a few thousand rows) and changes rarely, so the index is built in
process from the published rows and kept per catalogue version. Japanese has no spaces between words,
so Japanese text is matched by character bigrams after normalisation (NFKC folds half-width katakana and
full-width letters and digits; katakana is folded to hiragana so that readings match); Latin text is
matched by Snowball stems. Synonyms and abbreviations expand each query term into alternatives, and every
Japanese text also has its reading (readings.py), so that a word typed in kana finds it written in kanji.

Two ways to be found: a strong match (the words, or most of their bigrams, in the title, reading, keywords
...) scores above a threshold; and a procedure that mentions every term somewhere, even only in what to
bring, is found too, ranked below the strong matches by its lower score. Kana has no meaning in its
bigrams (てんにゅう shares three with はんにゅう), so a short kana term counts only where it occurs
whole, from the start of a word.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from .readings import EMPTY, Reading, is_kana, reading
from .synonyms import LIFE_EVENT_WORDS, SYNONYMS
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
# Fields whose Japanese is also indexed by its reading, and what a match in the reading counts for.
READ_FIELDS = ("title", "keywords", "facets", "summary", "extra")
READING_FACTOR = 0.9
MIN_SCORE = 0.3
# A kana term this long or longer may also match by most of its bigrams (a phrase written differently:
# そだいごみのもうしこみ and 粗大ごみの戸別収集の申込み), when at least this share of them is found.
KANA_PARTIAL_MIN_CHARS = 7
KANA_PARTIAL_MIN_COVERAGE = 0.75
# How much use can add to a score: enough to order matches of about the same strength, not to pass a
# better match.
USAGE_WEIGHT = 0.2


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


def _characters(text: str) -> set[str]:
    return {ch for run in _CJK_RUN.findall(text) for ch in run}


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
    reading: Reading = EMPTY
    reading_grams: set[str] = field(default_factory=set)


@dataclass
class IndexedDoc:
    pk: int
    title: str
    sort_key: str = ""  # the title's reading: kana order when nothing else tells two apart
    fields: dict[str, _Field] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # as written, for spelling suggestions


# Runs of kanji and katakana between particles: the words residents mean (図書館, 利用者カード), where the
# dictionary's words are too short (図書|館).
_WORD = re.compile(r"[\u3400-\u9fff\u30a1-\u30fa\u30fc々ヶ]{2,}")


def index_document(pk: int, **texts: str) -> IndexedDoc:
    title = texts.get("title", "")
    doc = IndexedDoc(pk=pk, title=normalize(title), sort_key=normalize(texts.get("reading", "")))
    keywords = [k for k in texts.get("keywords", "").split() if _CJK_RUN.search(normalize(k))]
    doc.words = list(dict.fromkeys([title, *_WORD.findall(title), *keywords]))
    for name in WEIGHTS:
        raw = texts.get(name, "")
        text = normalize(raw)
        doc.fields[name] = _Field(
            text=text,
            grams=_bigrams(text),
            stems=_stems(text),
            reading=reading(raw) if name in READ_FIELDS else EMPTY,
        )
        doc.fields[name].reading_grams = _bigrams(doc.fields[name].reading.text)
    return doc


@dataclass
class _Vocable:
    display: str  # as the catalogue writes it
    forms: tuple[str, ...]  # normal form and reading, what a query is compared with


class SearchIndex:
    """Postings of the documents' bigrams and stems, so that a query only looks at documents it touches."""

    def __init__(self, docs: list[IndexedDoc]):
        self.docs = docs
        # bigram (or single character, for a one-character term) -> document number -> best field weight
        self.grams: dict[str, dict[int, float]] = {}
        self.stems: dict[str, dict[int, float]] = {}
        for number, doc in enumerate(docs):
            for name, f in doc.fields.items():
                weight = WEIGHTS[name]
                for gram in f.grams | _characters(f.text):
                    self._post(self.grams, gram, number, weight)
                for gram in f.reading_grams | _characters(f.reading.text):
                    self._post(self.grams, gram, number, weight * READING_FACTOR)
                for stem in f.stems:
                    self._post(self.stems, stem, number, weight)
        self._stem_vocabulary = sorted(self.stems)
        self._vocabulary: list[_Vocable] | None = None

    @staticmethod
    def _post(postings: dict[str, dict[int, float]], key: str, number: int, weight: float) -> None:
        docs = postings.setdefault(key, {})
        if docs.get(number, 0.0) < weight:
            docs[number] = weight

    def stem_postings(self, stem: str) -> dict[int, float]:
        """Documents with this stem, or for four letters and more with a word that starts with it."""
        if len(stem) < 4:
            return self.stems.get(stem, {})
        merged: dict[int, float] = {}
        at = _bisect(self._stem_vocabulary, stem)
        while at < len(self._stem_vocabulary) and self._stem_vocabulary[at].startswith(stem):
            for number, weight in self.stems[self._stem_vocabulary[at]].items():
                if merged.get(number, 0.0) < weight:
                    merged[number] = weight
            at += 1
        return merged

    def vocabulary(self) -> list[_Vocable]:
        """Words of the catalogue that a misspelt query may have meant: titles, their words, keywords."""
        if self._vocabulary is None:
            seen: dict[str, _Vocable] = {}
            for doc in self.docs:
                for display in doc.words:
                    norm = normalize(display)
                    if len(norm) >= 2 and norm not in seen:
                        read = reading(display).text.replace(" ", "")
                        seen[norm] = _Vocable(display, tuple(dict.fromkeys(f for f in (norm, read) if f)))
            self._vocabulary = list(seen.values())
        return self._vocabulary


def _bisect(items: list[str], key: str) -> int:
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


@dataclass
class _Alternative:
    text: str
    grams: set[str]
    stems: list[str]
    kana: bool


def _alternatives(term: str) -> list[_Alternative]:
    variants = {term}
    for key, values in SYNONYMS.items():
        if key == term or (len(key) >= 2 and key in term and _CJK_RUN.search(key)):
            for value in values:
                variants.add(term.replace(key, value) if key != term else value)
    alts = []
    for variant in sorted(variants):
        stems = [_stem(w) for w in _LATIN_WORD.findall(variant) if w not in _ENGLISH_STOP]
        alts.append(_Alternative(variant, _bigrams(variant), stems, is_kana(variant.replace(" ", ""))))
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


def _mention_weight(doc: IndexedDoc, alt: _Alternative, index: SearchIndex, number: int) -> float:
    """The weight of the best field that mentions the alternative whole (0 when none does)."""
    if alt.stems and not alt.grams:
        # Latin words: every stem somewhere in the document; counts as its weakest stem's field.
        weights = [index.stem_postings(stem).get(number, 0.0) for stem in alt.stems]
        return min(weights) if weights and all(weights) else 0.0
    best = 0.0
    for name, f in doc.fields.items():
        weight = WEIGHTS[name]
        if weight <= best:
            continue
        if alt.text in f.text:
            best = weight
        elif alt.kana and f.reading.has_word_sequence(alt.text):
            best = weight * READING_FACTOR
    return best


def _score_alternative(
    doc: IndexedDoc, alt: _Alternative, index: SearchIndex, number: int
) -> tuple[float, bool]:
    """(score, whether the document mentions the alternative whole)."""
    units = len(alt.grams) + len(alt.stems)
    if not units:
        return 0.0, False
    found = 0
    total = 0.0
    for gram in alt.grams:
        weight = index.grams.get(gram, {}).get(number, 0.0)
        total += weight
        found += weight > 0
    for stem in alt.stems:
        weight = index.stem_postings(stem).get(number, 0.0)
        total += weight
        found += weight > 0
    partial = total / units
    if alt.kana and (len(alt.text) < KANA_PARTIAL_MIN_CHARS or not _kana_covered(doc, alt)):
        partial = 0.0
    mention = _mention_weight(doc, alt, index, number) if found == units else 0.0
    score = max(partial, mention)
    # Whole-phrase matches beat scattered bigrams; an exact or leading title match beats both.
    text = alt.text
    if len(text) >= 2 and score:
        title_reading = doc.fields["title"].reading
        if text in doc.title:
            score += (
                0.5 + (0.3 if doc.title.startswith(text) else 0.0) + 0.3 * len(text) / max(len(doc.title), 1)
            )
        elif text in doc.fields["reading"].text:
            score += 0.4 + (0.2 if doc.fields["reading"].text.startswith(text) else 0.0)
        elif alt.kana and title_reading.has_word_sequence(text):
            score += 0.4 + (0.2 if title_reading.text.startswith(text) else 0.0)
        elif text in doc.fields["keywords"].text or text in doc.fields["title_en"].text:
            score += 0.35
    return score, mention > 0


def _kana_covered(doc: IndexedDoc, alt: _Alternative) -> bool:
    """Whether one field has most of a long kana term's bigrams (spread over a long summary they say
    nothing)."""
    need = KANA_PARTIAL_MIN_COVERAGE * len(alt.grams)
    return any(len(alt.grams & (f.grams | f.reading_grams)) >= need for f in doc.fields.values())


def _candidates(index: SearchIndex, terms: list[list[_Alternative]]) -> set[int]:
    numbers: set[int] = set()
    for alts in terms:
        for alt in alts:
            for gram in alt.grams:
                numbers.update(index.grams.get(gram, ()))
            for stem in alt.stems:
                numbers.update(index.stem_postings(stem))
    return numbers


def rank(
    index: SearchIndex, query: str, *, usage: dict[int, float] | None = None, relaxed: bool = False
) -> list[tuple[int, float]]:
    """(pk, score) of the documents matching the query, best first.

    `usage` (pk -> 0..1, the share of the most used procedure's use) adds up to USAGE_WEIGHT to a match.
    `relaxed` keeps every document that shares anything with the query (for "did you mean" suggestions).
    """
    terms = parse_query(query)
    if not terms:
        return []
    usage = usage or {}
    threshold = MIN_SCORE * len(terms)
    hits = []
    for number in _candidates(index, terms):
        doc = index.docs[number]
        total = 0.0
        mentioned = True
        for alts in terms:
            best, said = 0.0, False
            for alt in alts:
                alt_score, alt_said = _score_alternative(doc, alt, index, number)
                best = max(best, alt_score)
                said = said or alt_said
            total += best
            mentioned = mentioned and said
        if total >= threshold or mentioned or (relaxed and total > 0):
            hits.append((doc, total + USAGE_WEIGHT * usage.get(doc.pk, 0.0)))
    hits.sort(key=lambda item: (-item[1], item[0].sort_key, item[0].pk))
    return [(doc.pk, s) for doc, s in hits]


def usage_shares(views: dict[int, int]) -> dict[int, float]:
    """Each procedure's use as 0..1 on a log scale (ten times the views is not ten times the need)."""
    top = max(views.values(), default=0)
    if top <= 0:
        return {}
    scale = math.log1p(top)
    return {pk: math.log1p(v) / scale for pk, v in views.items() if v > 0}


def named_life_events(query: str, names: dict[str, list[str]]) -> set[str]:
    """Slugs of the life events the query as a whole names (引っ越し, ひっこし, moving: the move).

    `names` maps a life event's slug to its names (Japanese and English); LIFE_EVENT_WORDS adds the words
    residents use for it. A query with more in it (引越し 犬) names no life event: it asks for something
    within one.
    """
    norm = normalize(query)
    if not norm:
        return set()
    named = set()
    for slug, own in names.items():
        if norm in {normalize(w) for w in [*own, *LIFE_EVENT_WORDS.get(slug, [])]}:
            named.add(slug)
    return named


def suggest_spelling(index: SearchIndex, query: str) -> str:
    """The catalogue's word nearest to a query that found nothing ("もしかして"), or "" when none is near."""
    norm = normalize(query)
    if len(norm) < 2 or len(norm) > 30:
        return ""
    grams = _bigrams(norm) or {norm}
    best, best_ratio = "", 0.0
    for vocable in index.vocabulary():
        for form in vocable.forms:
            if form == norm or not (grams & _bigrams(form) or set(norm) & set(form)):
                continue
            matcher = difflib.SequenceMatcher(None, norm, form, autojunk=False)
            if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best, best_ratio = vocable.display, ratio
    return best if best_ratio >= 0.6 else ""

import pytest

from apps.catalogue import search, selectors
from apps.catalogue.models import Procedure
from apps.catalogue.textnorm import normalize

from .search_queries import EMPTY_QUERIES, MENTION_QUERIES, SEARCH_QUERIES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("ｼﾞｭｳﾐﾝﾋｮｳ", "じゅうみんひょう"),
        ("ジュウミンヒョウ", "じゅうみんひょう"),
        ("ＤＶ　相談", "dv 相談"),
        ("マイナンバーカード　更新", "まいなんばーかーど 更新"),
        ("住民票（写し）", "住民票 写し"),
        ("１２３", "123"),
    ],
)
def test_it_folds_what_residents_type_into_one_form(typed, normal):
    assert normalize(typed) == normal


def test_the_demo_catalogue_has_at_least_100_published_procedures_covering_every_life_event():
    published = Procedure.objects.filter(published=True)
    assert published.count() >= 100
    result = selectors.procedure_search()
    assert all(facet.count >= 1 for facet in result.life_events), [
        f.slug for f in result.life_events if not f.count
    ]


def test_the_query_table_is_large_and_varied_enough():
    assert len(SEARCH_QUERIES) >= 40
    queries = [q for q, _ in SEARCH_QUERIES]
    assert any(any("\uff61" <= ch <= "\uff9f" for ch in q) for q in queries), "half-width kana"
    assert any(q.isascii() for q in queries), "English"
    assert "ひっこし" in queries


def test_the_expected_procedure_is_in_the_top_3_for_at_least_97_percent_of_resident_queries():
    misses = []
    for query, slug in SEARCH_QUERIES:
        top = [p.slug for p in selectors.procedure_search(query=query, limit=3).procedures]
        if slug not in top:
            misses.append((query, slug, top))
    hit_rate = 1 - len(misses) / len(SEARCH_QUERIES)
    report = "\n".join(f"  {q!r}: want {s}, got {t}" for q, s, t in misses)
    assert hit_rate >= 0.97, f"hit rate {hit_rate:.0%}; misses:\n{report}"


def test_ranking_puts_a_title_match_before_a_mention_in_a_summary():
    ranked = selectors.procedure_search(query="国民健康保険", limit=5).procedures
    assert "国民健康保険" in ranked[0].title


@pytest.mark.parametrize(
    "query",
    [
        "あ" * 5000,
        "🐶🏠📄",
        "\x00\x01\x1b[31m住民票\x7f",
        "'; DROP TABLE catalogue_procedure; --",
        '" OR 1=1 --',
        "%_%",
        "<script>alert(1)</script>",
        "   ",
        "\u200b\u200e\ufeff",
    ],
)
def test_hostile_queries_return_a_normal_result(query):
    result = selectors.procedure_search(query=query)
    assert result.count >= 0
    assert len(result.query) <= search.MAX_QUERY_CHARS
    assert Procedure.objects.count() >= 100  # nothing was dropped


def test_facets_count_the_matches_of_the_other_filters():
    result = selectors.procedure_search(life_event="pets")
    assert result.count >= 4
    assert next(f for f in result.life_events if f.slug == "pets").count == result.count
    assert all("pets" in {e.slug for e in p.life_events.all()} for p in result.procedures)


def test_unknown_facet_values_are_ignored_not_fatal():
    everything = selectors.procedure_search()
    result = selectors.procedure_search(life_event="no-such-event", category="x", channel="fax")
    assert result.count == everything.count


def test_a_draft_is_never_found():
    draft = Procedure.objects.filter(published=False).first()
    assert draft is not None, "the demo catalogue keeps at least one draft"
    assert draft.pk not in [p.pk for p in selectors.procedure_search(query=draft.title, limit=100).procedures]


@pytest.mark.parametrize(
    ("typed", "wanted"),
    [
        ("こくほ", "国民健康保険"),
        ("こくみんほけん", "国民健康保険"),
        ("じて", "児童手当"),
        ("そだい", "粗大ごみ"),
    ],
)
def test_an_abbreviation_typed_in_kana_finds_its_procedure_first(typed, wanted):
    top = selectors.procedure_search(query=typed, limit=1).procedures
    assert top and wanted in top[0].title, [p.title for p in top]


def _mentions(p: Procedure, words: list[str]) -> bool:
    text = normalize(" ".join([p.title, p.reading, p.summary, p.audience, p.what_to_bring, p.keywords]))
    return any(normalize(w) in text for w in words)


@pytest.mark.parametrize(("query", "words"), list(MENTION_QUERIES.items()))
def test_every_procedure_that_mentions_what_was_typed_is_found_and_counted(query, words):
    wanted = {p.slug for p in Procedure.objects.filter(published=True) if _mentions(p, words)}
    result = selectors.procedure_search(query=query, limit=1000)
    found = [p.slug for p in result.procedures]
    assert wanted <= set(found), sorted(wanted - set(found))
    assert result.count == len(found)


@pytest.mark.parametrize(("query", "spelling"), EMPTY_QUERIES)
def test_a_query_that_finds_nothing_gets_a_spelling_from_the_catalogue_and_the_nearest_procedures(
    query, spelling
):
    result = selectors.procedure_search(query=query)
    assert result.count == 0
    assert result.suggestion == spelling
    assert result.nearest and normalize(spelling) in normalize(result.nearest[0].title)


def test_a_query_naming_a_life_event_ranks_its_main_procedures_first():
    top = [p.slug for p in selectors.procedure_search(query="引越し", limit=3).procedures]
    assert sorted(top) == ["moving-in-notification", "moving-out-notification", "moving-within-city"]
    assert selectors.procedure_search(query="出生", limit=1).procedures[0].slug == "birth-registration"


def test_a_short_kana_term_is_not_found_inside_another_word():
    found = [p.slug for p in selectors.procedure_search(query="てんにゅう", limit=1000).procedures]
    assert "garbage-self-delivery" not in found  # じこはんにゅう

"""Issue 16: what a resident needs comes first, everything that mentions the words is found with a true
count, and a search that finds nothing is not a dead end. Request-level, on the demo catalogue."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from apps.catalogue.models import LifeEvent, Procedure, ProcedureLifeEvent, ProcedureUsageDay
from apps.catalogue.services import catalogue_changed, import_result_messages, procedure_import
from apps.catalogue.textnorm import normalize

from .factories import SectionFactory
from .test_import import csv_bytes, row
from .test_spreadsheets import _admin_export, _csv_rows

pytestmark = pytest.mark.django_db

_RESULT = re.compile(r'<li class="result">\s*<h3><a href="/(?:en/)?procedures/([^/"]+)/">')


def result_slugs(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return _RESULT.findall(response.content.decode())


def all_slugs(client, url: str) -> list[str]:
    """Every page of a listing, in order."""
    slugs: list[str] = []
    for page in range(1, 30):
        found = result_slugs(client, f"{url}&page={page}")
        if not found or (slugs and found[0] in slugs):
            break
        slugs += found
    return slugs


# --- 1. Ranking: the main procedures of a life event first, then use, kana last -------------------------


def test_the_moving_list_opens_with_moving_in_out_and_within_the_city(client):
    first = result_slugs(client, "/procedures/?life_event=moving")[:3]
    assert sorted(first) == ["moving-in-notification", "moving-out-notification", "moving-within-city"]


@pytest.mark.parametrize(
    ("life_event", "main"),
    [("birth", "birth-registration"), ("marriage", "marriage-registration"), ("death", "death-registration")],
)
def test_a_life_event_list_opens_with_its_main_procedure(client, life_event, main):
    assert result_slugs(client, f"/procedures/?life_event={life_event}")[0] == main


def test_a_query_naming_a_life_event_puts_its_main_procedures_first_even_where_they_do_not_say_it(client):
    # 死亡届 does not say おくやみ: the life event does.
    assert result_slugs(client, "/procedures/?q=おくやみ")[0] == "death-registration"
    first = result_slugs(client, "/procedures/?q=引っ越し")[:3]
    assert sorted(first) == ["moving-in-notification", "moving-out-notification", "moving-within-city"]


def test_after_the_main_procedures_the_most_viewed_come_first(client):
    water = Procedure.objects.get(slug="water-service-start")  # すいどう: late in kana order
    ProcedureUsageDay.objects.create(procedure=water, day=timezone.localdate(), views=40)
    old = timezone.localdate() - dt.timedelta(days=200)  # outside the window: does not count
    ProcedureUsageDay.objects.create(procedure=Procedure.objects.get(slug="koseki-fuhyo"), day=old, views=900)
    catalogue_changed()
    slugs = result_slugs(client, "/procedures/?life_event=moving")
    assert slugs[3] == "water-service-start"
    assert slugs.index("koseki-fuhyo") > slugs.index("dog-registration-change")  # kana order: こせき > いぬ


@pytest.fixture
def import_section():
    return SectionFactory(code="import-section")


def test_the_admin_marks_a_main_procedure_in_the_import_and_it_comes_first(client, import_section):
    result = procedure_import(
        data=csv_bytes(
            [row(slug="zzz-pet-main", reading="んんん", life_events="pets", core_life_events="pets")]
        ),
        file_name="procedures.csv",
    )
    assert import_result_messages(result) == []
    link = ProcedureLifeEvent.objects.get(procedure__slug="zzz-pet-main")
    assert link.life_event.slug == "pets" and link.core
    assert result_slugs(client, "/procedures/?life_event=pets")[:2] == ["dog-registration", "zzz-pet-main"]


def test_a_main_procedure_of_a_life_event_it_is_not_in_is_a_row_error(import_section):
    result = procedure_import(
        data=csv_bytes([row(life_events="pets", core_life_events="garbage")]), file_name="procedures.csv"
    )
    assert any("garbage" in message for message in import_result_messages(result))
    assert not Procedure.objects.filter(slug="import-test-dog").exists()


def test_the_export_has_the_main_procedure_column(admin_client_mfa):
    rows = {r["slug"]: r for r in _csv_rows(_admin_export(admin_client_mfa, "csv"))}
    assert rows["birth-registration"]["core_life_events"] == "birth"
    assert rows["moving-in-notification"]["core_life_events"] == "moving"
    assert rows["stillbirth-registration"]["core_life_events"] == ""


def test_the_admin_edits_whether_a_procedure_is_main_for_each_life_event(admin_client_mfa):
    p = Procedure.objects.get(slug="birth-registration")
    html = admin_client_mfa.get(f"/admin/catalogue/procedure/{p.pk}/change/").content.decode()
    assert 'name="life_event_links-0-core"' in html
    assert "主な手続き" in html


# --- 2. Every procedure that mentions the words is found, with a true count ------------------------------


def test_a_search_finds_procedures_that_mention_the_word_only_in_what_to_bring(client):
    body = client.get("/api/v1/procedures", {"q": "国保", "limit": 100}).json()
    slugs = [r["slug"] for r in body["results"]]
    assert {"moving-out-notification", "moving-abroad"} <= set(slugs)
    assert body["count"] == len(slugs)
    # ...below every procedure that has 国民健康保険 in its title
    strong = [i for i, r in enumerate(body["results"]) if "国民健康保険" in r["title"]]
    assert max(strong) < slugs.index("moving-out-notification")


def test_the_page_count_is_every_procedure_that_mentions_the_word(client):
    wanted = {
        p.slug
        for p in Procedure.objects.filter(published=True).select_related("section")
        if "国民健康保険" in " ".join([p.title, p.summary, p.audience, p.what_to_bring, p.keywords])
    }
    response = client.get("/procedures/", {"q": "国保"})
    found = all_slugs(client, "/procedures/?q=国保")
    assert wanted <= set(found), sorted(wanted - set(found))
    assert int(response["X-Result-Count"]) == len(found)
    assert f"{len(found)} 件" in response.content.decode()


# --- 4. Kana finds kanji; empty results lead somewhere ----------------------------------------------------


@pytest.mark.parametrize("typed", ["てんにゅう", "テンニュウ", "ﾃﾝﾆｭｳ"])
def test_kana_finds_the_word_written_in_kanji_and_not_words_that_only_sound_alike(client, typed):
    slugs = result_slugs(client, f"/procedures/?q={typed}")
    assert slugs[0] == "moving-in-notification"
    # ごみの自己搬入 (じこはんにゅう) shares three of four bigrams with てんにゅう, and no word
    assert "garbage-self-delivery" not in all_slugs(client, f"/procedures/?q={typed}")


def test_kana_finds_a_word_the_catalogue_writes_in_kanji_only_in_its_text(client):
    # 猫 has no reading of its own anywhere: only in 犬・猫の引取り's title and text
    assert "pet-surrender" in result_slugs(client, "/procedures/?q=ねこ")


@pytest.mark.parametrize("typed", ["としょかん", "トショカン", "図書館"])
def test_the_librarys_services_are_in_the_catalogue(client, typed):
    assert set(result_slugs(client, f"/procedures/?q={typed}")[:2]) == {"library-card", "library-reservation"}


@pytest.mark.parametrize(
    ("typed", "slug"),
    [("ふるさと納税", "furusato-nozei-deduction"), ("ワンストップ特例", "furusato-nozei-deduction")],
)
def test_what_residents_look_for_online_is_in_the_catalogue(client, typed, slug):
    assert result_slugs(client, f"/procedures/?q={typed}")[0] == slug


def test_an_empty_result_suggests_a_spelling_and_the_nearest_procedures_and_gives_the_contact(client):
    response = client.get("/procedures/", {"q": "としょがん"})
    html = response.content.decode()
    assert response["X-Result-Count"] == "0"
    assert "該当する手続きが見つかりませんでした。" in html
    assert 'もしかして: <a href="/procedures/?q=%E5%9B%B3%E6%9B%B8%E9%A4%A8">図書館</a>' in html
    assert 'href="/procedures/library-card/"' in html
    assert "087-839-2011" in html and "〒760-8571" in html


def test_an_empty_result_with_nothing_near_still_gives_the_contact(client):
    html = client.get("/procedures/", {"q": "zzqxj"}).content.decode()
    assert "もしかして" not in html and "近い手続き" not in html
    assert "087-839-2011" in html


def test_the_empty_result_speaks_english_on_the_english_site(client):
    html = client.get("/en/procedures/", {"q": "としょがん"}).content.decode()
    assert "Did you mean:" in html
    assert "Nearest procedures" in html
    assert "Getting a library card" in html


def test_the_nearest_spelling_comes_from_the_catalogues_words():
    from apps.catalogue import selectors

    result = selectors.procedure_search(query="まいなんばあかあど")
    assert result.count == 0
    assert result.suggestion == "マイナンバーカード"
    assert normalize(result.suggestion) in normalize(result.nearest[0].title)


def test_every_life_event_has_main_procedures():
    missing = [e.slug for e in LifeEvent.objects.all() if not e.procedure_links.filter(core=True).exists()]
    assert missing == []

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalogue.models import Procedure
from apps.catalogue.services import procedure_set_published

from .factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_home_list_detail_and_accessibility_pages_render_in_both_languages(client):
    slug = Procedure.objects.filter(published=True).values_list("slug", flat=True).first()
    for prefix in ("", "/en"):
        for path in ("/", "/procedures/", f"/procedures/{slug}/", "/accessibility/"):
            response = client.get(prefix + path)
            assert response.status_code == 200, prefix + path
    assert 'lang="en"' in client.get("/en/").content.decode()
    assert 'lang="ja"' in client.get("/").content.decode()


def test_the_english_page_shows_the_english_title(client):
    p = Procedure.objects.filter(published=True).exclude(title_en="").first()
    assert p.title_en in client.get(f"/en/procedures/{p.slug}/").content.decode()
    assert p.title in client.get(f"/procedures/{p.slug}/").content.decode()


def test_the_language_switch_links_to_the_same_page_in_the_other_language(client):
    p = Procedure.objects.filter(published=True).first()
    html = client.get(f"/procedures/{p.slug}/").content.decode()
    assert f'href="/en/procedures/{p.slug}/"' in html
    html = client.get(f"/en/procedures/{p.slug}/").content.decode()
    assert f'href="/procedures/{p.slug}/"' in html


def test_detail_shows_fee_bring_list_card_requirement_and_section(client):
    p = ProcedureFactory(
        fee_yen=300, what_to_bring="本人確認書類\n印鑑", requires_my_number_card=True, online=True
    )
    html = client.get(p.get_absolute_url()).content.decode()
    for text in (
        "300 円",
        "本人確認書類",
        "印鑑",
        "必要です",
        p.section.name,
        f"/procedures/{p.slug}/apply/",
        "www.city.takamatsu.kagawa.jp",
        "087-839-2011",
    ):
        assert text in html


def test_a_draft_or_unknown_procedure_is_404(client):
    draft = ProcedureFactory(draft=True)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/procedures/no-such-thing/").status_code == 404


def test_wrong_method_is_refused(client):
    slug = Procedure.objects.filter(published=True).values_list("slug", flat=True).first()
    for path in ("/", "/procedures/", f"/procedures/{slug}/"):
        assert client.post(path).status_code == 405
        assert client.delete(path).status_code == 405


@pytest.mark.parametrize(
    "params",
    [
        "q=" + "住" * 10000,
        "q=%F0%9F%90%B6%F0%9F%8F%A0",
        "q=%00%01%1B",
        "q=%27%3B+DROP+TABLE+catalogue_procedure%3B--",
        "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "page=-3",
        "page=abc",
        "page=99999",
        "life_event=%3Cb%3E&category=%27&channel=%00",
    ],
)
def test_hostile_list_parameters_get_a_normal_page(client, params):
    response = client.get(f"/procedures/?{params}")
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_a_very_long_query_is_cut_and_the_resident_is_told(client):
    html = client.get("/procedures/?q=" + "住民票" * 100).content.decode()
    assert "先頭の100文字" in html


def test_query_count_does_not_grow_with_the_number_of_results(client):
    client.get("/procedures/?q=warm-up")  # the index is built once per catalogue version
    few = queries_for(client, "/procedures/?q=犬")
    many = queries_for(client, "/procedures/")
    facet = queries_for(client, "/procedures/?life_event=moving&channel=counter")
    assert few == many == facet, (few, many, facet)
    assert many <= 8


def test_detail_query_count_does_not_grow_with_its_facets(client):
    small = ProcedureFactory(life_events=["pets"], categories=["environment"])
    big = ProcedureFactory(
        life_events=["moving", "birth", "marriage", "death"], categories=["registration", "taxes"]
    )
    assert queries_for(client, small.get_absolute_url()) == queries_for(client, big.get_absolute_url())


def test_public_pages_are_served_from_the_cache_until_the_catalogue_changes(client):
    p = ProcedureFactory(title="キャッシュ確認用の手続き")
    assert client.get(p.get_absolute_url())["X-Cache"] == "miss"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(p.get_absolute_url())
    assert response["X-Cache"] == "hit"
    assert len(ctx.captured_queries) == 0

    procedure_set_published(pks=[p.pk], published=False)
    assert client.get(p.get_absolute_url()).status_code == 404


def test_an_admin_edit_invalidates_the_cached_pages(admin_client_mfa):
    from django.test import Client

    admin_client = admin_client_mfa
    client = Client()
    p = ProcedureFactory(title="編集前の手続き名")
    assert "編集前の手続き名" in client.get(p.get_absolute_url()).content.decode()
    change_url = f"/admin/catalogue/procedure/{p.pk}/change/"
    form = admin_client.get(change_url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        title="編集後の手続き名",
        section=p.section.pk,
        categories=[],
        # the life events are an inline now (each link says whether it is a main procedure)
        **{"life_event_links-TOTAL_FORMS": "0", "life_event_links-INITIAL_FORMS": "0"},
        last_reviewed="",
    )
    response = admin_client.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    html = client.get(p.get_absolute_url()).content.decode()
    assert "編集後の手続き名" in html


def test_signed_in_visitors_are_not_served_the_anonymous_page(client, django_user_model):
    p = ProcedureFactory()
    client.get(p.get_absolute_url())  # cached for anonymous visitors
    user = django_user_model.objects.create_user(email="someone@example.jp", password="x" * 12)
    client.force_login(user)
    html = client.get(p.get_absolute_url()).content.decode()
    assert "ログアウト" in html and 'href="/accounts/login/"' not in html  # the signed-in header

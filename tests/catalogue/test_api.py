import csv
import io

import pytest

from apps.catalogue.models import Procedure

from .factories import ProcedureFactory

pytestmark = pytest.mark.django_db

KEYS = {
    "slug", "title", "title_en", "reading", "summary", "summary_en", "life_events", "categories", "channels",
    "requires_my_number_card", "fee_yen", "section", "apply_url", "detail_url", "updated_at",
}  # fmt: skip


def test_the_list_has_the_documented_shape_and_counts_every_published_procedure(client):
    body = client.get("/api/v1/procedures?limit=100").json()
    assert body["count"] == Procedure.objects.filter(published=True).count() >= 100
    assert len(body["results"]) == 100
    assert set(body["results"][0]) == KEYS


def test_search_is_ranked_and_filters_combine(client):
    body = client.get("/api/v1/procedures", {"q": "国保", "limit": 3}).json()
    assert body["count"] >= 1
    assert "国民健康保険" in body["results"][0]["title"]
    body = client.get("/api/v1/procedures", {"life_event": "pets", "channel": "counter"}).json()
    assert body["count"] >= 1
    assert all("pets" in r["life_events"] and "counter" in r["channels"] for r in body["results"])


def test_offset_pages_through_the_results(client):
    first = client.get("/api/v1/procedures", {"limit": 5}).json()["results"]
    second = client.get("/api/v1/procedures", {"limit": 5, "offset": 5}).json()["results"]
    assert {r["slug"] for r in first}.isdisjoint({r["slug"] for r in second})


def test_detail_and_its_errors(client):
    p = ProcedureFactory(online=True, fee_yen=300)
    body = client.get(f"/api/v1/procedures/{p.slug}").json()
    assert body["apply_url"] == p.online_url
    assert body["fee_yen"] == 300
    assert body["detail_url"].endswith(f"/procedures/{p.slug}/")
    missing = client.get("/api/v1/procedures/no-such-procedure")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    draft = ProcedureFactory(draft=True)
    assert client.get(f"/api/v1/procedures/{draft.slug}").status_code == 404


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 1000}, {"limit": "x"}, {"offset": -1}, {"channel": "fax"}, {"q": "x" * 2000}],
)
def test_bad_parameters_get_a_json_error(client, params):
    response = client.get("/api/v1/procedures", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request" and body["detail"]


def test_csv_export_is_utf8_with_bom_and_a_header(client):
    response = client.get("/api/v1/procedures.csv")
    assert response["Content-Type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == Procedure.objects.filter(published=True).count()
    assert set(rows[0]) == KEYS


def test_openapi_documents_the_catalogue_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/procedures", "/api/v1/procedures/{slug}", "/api/v1/procedures.csv"} <= set(spec["paths"])


def test_the_list_query_count_does_not_grow_with_results(client, django_assert_num_queries):
    client.get("/api/v1/procedures?limit=1")  # build the index
    with django_assert_num_queries(5):
        client.get("/api/v1/procedures?limit=1")
    with django_assert_num_queries(5):
        client.get("/api/v1/procedures?limit=100")

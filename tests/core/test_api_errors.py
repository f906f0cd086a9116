"""Whatever a client sends, the API answers its JSON error with a 4xx, never a 500 or an HTML page
(issue 15, item 5 and the API lows).

An outside attack found: NUL characters in a JSON string, a path parameter or the session cookie made
PostgreSQL refuse the query (a 500); a deeply nested body raised RecursionError; a 10 MB body and a
multipart body without boundary answered Django's HTML 400; `"amount": true` paid one point; every answer
said `charset=utf-8` twice; the OpenAPI document declared no 4xx answer. These tests run on SQLite and,
with DATABASE_URL set, on PostgreSQL, where the NUL cases used to fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from apps.counter.models import CounterRequest
from apps.demo.services import demo_accounts_load
from apps.identity.models import User
from apps.wallet import selectors as wallet_selectors
from apps.wallet.models import Transaction
from tests.counter.helpers import form_data
from tests.identity.helpers import log_in_with_second_factor

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PAYMENTS = "/api/v1/wallet/payments"
JSON_TYPE = "application/json; charset=utf-8"
CSRF_SECRET = "k" * 32


@pytest.fixture
def demo(db):
    demo_accounts_load()
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@example.jp")}


@pytest.fixture
def resident(client, demo):
    client.force_login(demo["resident"])
    return client


@pytest.fixture
def csrf_resident(demo):
    """A resident's browser-like client: CSRF is checked as it is for a real caller, so the API reads
    form and multipart bodies (ninja's session auth parses request.POST to look for the token)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo["resident"])
    client.cookies["csrftoken"] = CSRF_SECRET
    return client, {"HTTP_X_CSRFTOKEN": CSRF_SECRET}


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == JSON_TYPE
    body = response.json()
    assert set(body) == {"error", "detail"} and body["error"] == code and body["detail"]
    return body


def pay(client, body: dict | str, **extra):
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(PAYMENTS, raw, content_type="application/json", **extra)


def payment(**overrides) -> dict:
    return {"merchant": "demo-udon", "amount": 10, "idempotency_key": "attack-key-0001", **overrides}


# --- NUL and other unreadable characters ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        payment(merchant="demo\x00udon"),
        payment(idempotency_key="attack\x00key-0001"),
        {**payment(), "extra\x00key": 1},
        payment(merchant="\ud800"),  # a lone surrogate: not text PostgreSQL (or UTF-8) can store
    ],
)
def test_a_json_string_with_a_nul_or_a_lone_surrogate_is_refused(resident, demo, body):
    before = wallet_selectors.wallet_balance(user=demo["resident"])
    assert_json_error(pay(resident, body), 400, "invalid_request")
    assert wallet_selectors.wallet_balance(user=demo["resident"]) == before


def test_a_nul_in_the_jpki_verify_body_is_refused(resident):
    body = {"challenge_id": "\x00", "certificate": "AA==", "intermediates": ["\x00"], "signature": "AA=="}
    response = resident.post(
        "/api/v1/identity/jpki/verify", json.dumps(body), content_type="application/json"
    )
    assert_json_error(response, 400, "invalid_request")


@pytest.mark.parametrize("path", ["/api/v1/procedures/abc%00def", "/api/v1/procedures/juminhyo%0A"])
def test_a_nul_or_control_character_in_a_path_parameter_is_refused(client, path):
    assert_json_error(client.get(path), 400, "invalid_request")


def test_a_nul_in_the_counter_token_is_refused(client, demo):
    log_in_with_second_factor(client, "staff@example.jp")
    assert_json_error(client.get("/api/v1/counter/requests/AB%00CD"), 400, "invalid_request")


@pytest.mark.parametrize("query", ["q=%00", "life_event=pets%00", "x%00=1"])
def test_a_nul_in_the_query_string_is_refused(client, query):
    assert_json_error(client.get(f"/api/v1/procedures?{query}"), 400, "invalid_request")


def test_the_refusal_speaks_the_callers_language(client):
    response = client.get("/api/v1/procedures?q=%00", HTTP_ACCEPT_LANGUAGE="en")
    assert "NUL" in assert_json_error(response, 400, "invalid_request")["detail"]
    response = client.delete("/api/v1/procedures", HTTP_ACCEPT_LANGUAGE="en")
    assert (
        assert_json_error(response, 405, "method_not_allowed")["detail"]
        == "This method is not allowed for this URL."
    )


def test_a_nul_in_the_session_cookie_is_refused_before_the_session_is_read(client, demo):
    # http.cookies unquotes octal escapes: the session key became "...\x00", which PostgreSQL refused.
    response = client.get("/api/v1/wallet", HTTP_COOKIE='sessionid="abcdefghijkl\\000"')
    assert_json_error(response, 400, "invalid_request")
    page = client.get("/procedures/", HTTP_COOKIE='sessionid="abcdefghijkl\\000"')
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_a_nul_in_the_query_of_a_page_is_dropped_before_any_view_sees_it(client):
    # Pages answer a hostile search with a normal page (tests/catalogue/test_pages.py): the NUL is dropped.
    response = client.get("/procedures/", {"q": "住民票\x00", "life_event\x00": "x"})
    assert response.status_code == 200
    assert response.wsgi_request.GET.dict() == {"q": "住民票", "life_event": "x"}


def test_a_tab_pasted_into_the_search_box_still_searches(client):
    # Only NUL is refused in a query string: a tab copied from a spreadsheet is text a resident may send.
    assert client.get("/api/v1/procedures", {"q": "国保\t"}).status_code == 200


def test_a_counter_form_with_a_nul_is_shown_again_with_an_error_and_nothing_is_kept(client, demo):
    client.force_login(demo["resident"])
    response = client.post("/counter/new/juminhyo/", form_data("juminhyo", requester_name="高松\x00太郎"))
    assert response.status_code == 200
    assert "requester_name" in response.context["form"].errors
    assert not CounterRequest.objects.exists()


# --- Bodies that cannot be read -----------------------------------------------------------------------


def test_a_deeply_nested_body_is_refused(resident):
    assert_json_error(pay(resident, "[" * 5000 + "]" * 5000), 400, "invalid_request")
    nested = {"merchant": "demo-udon", "amount": 10, "idempotency_key": "attack-key-0002", "x": [[[[[[]]]]]]}
    for _ in range(60):
        nested["x"] = [nested["x"]]
    assert_json_error(pay(resident, nested), 400, "invalid_request")


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(payment())[:-1] + ', "note": NaN}',
        json.dumps(payment())[:-1] + ', "note": -Infinity}',
        "\ufeff" + json.dumps(payment()),
    ],
)
def test_what_is_not_strict_json_is_refused_and_nothing_is_paid(resident, raw):
    assert_json_error(pay(resident, raw), 400, "invalid_request")
    assert not Transaction.objects.filter(kind="payment").exists()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_body_that_is_not_utf8_is_refused(resident, encoding):
    raw = json.dumps(payment(), ensure_ascii=False).encode(encoding)
    response = resident.post(PAYMENTS, raw, content_type="application/json")
    assert_json_error(response, 400, "invalid_request")
    assert not Transaction.objects.filter(kind="payment").exists()


def test_a_10_mb_json_body_is_a_json_413(resident):
    assert_json_error(pay(resident, "x" * (10 * 1024 * 1024)), 413, "payload_too_large")


@pytest.mark.parametrize("path", [PAYMENTS, "/api/v1/identity/jpki/challenge"])
def test_a_10_mb_form_body_is_a_json_413(csrf_resident, path):
    client, token = csrf_resident
    body = "a=" + "x" * (10 * 1024 * 1024)
    response = client.post(path, body, content_type="application/x-www-form-urlencoded", **token)
    assert_json_error(response, 413, "payload_too_large")


@pytest.mark.parametrize("path", [PAYMENTS, "/api/v1/identity/jpki/challenge"])
def test_a_multipart_body_without_boundary_is_a_json_400(csrf_resident, path):
    client, token = csrf_resident
    response = client.post(path, "a=b", content_type="multipart/form-data", **token)
    assert_json_error(response, 400, "invalid_request")


def test_too_many_form_fields_is_a_json_error(csrf_resident):
    client, token = csrf_resident
    body = "&".join(f"f{i}=1" for i in range(1500))
    response = client.post(PAYMENTS, body, content_type="application/x-www-form-urlencoded", **token)
    assert_json_error(response, 413, "payload_too_large")


def test_a_form_body_to_a_json_endpoint_is_a_415_and_nothing_is_paid(csrf_resident, demo):
    client, token = csrf_resident
    response = client.post(PAYMENTS, payment(), **token)  # multipart with a boundary: readable, not JSON
    assert_json_error(response, 415, "unsupported_media_type")
    assert not Transaction.objects.filter(kind="payment").exists()


def test_an_unknown_api_path_and_a_wrong_method_answer_json(client):
    assert_json_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    response = client.delete("/api/v1/procedures")
    assert_json_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


PRODUCTION_REQUESTS = """
import json, django
django.setup()
from django.test import Client
host = "digital.city.takamatsu.example"
client = Client(enforce_csrf_checks=True, SERVER_NAME=host, HTTP_REFERER=f"https://{host}/")
client.cookies["csrftoken"] = "k" * 32
answers = []
for path, body, content_type in [
    ("/api/v1/identity/jpki/challenge", "a=" + "x" * (11 * 1024 * 1024), "application/x-www-form-urlencoded"),
    ("/api/v1/identity/jpki/challenge", "a=b", "multipart/form-data"),
    ("/api/v1/wallet/payments", "[" * 5000, "application/json"),
]:
    response = client.post(path, body, content_type=content_type, secure=True, HTTP_X_CSRFTOKEN="k" * 32)
    answers.append([response.status_code, response["Content-Type"], response.content.decode()])
print(json.dumps({"debug": django.conf.settings.DEBUG, "answers": answers}))
"""


def test_under_production_settings_unreadable_bodies_are_json_errors(tmp_path):
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
        },
        "DJANGO_SETTINGS_MODULE": "takamatsu.settings.prod",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x7Qp2" * 10,
        "DJANGO_ALLOWED_HOSTS": "digital.city.takamatsu.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", PRODUCTION_REQUESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["debug"] is False
    statuses = [(status, kind, json.loads(body)["error"]) for status, kind, body in result["answers"]]
    assert statuses == [
        (413, JSON_TYPE, "payload_too_large"),  # DATA_UPLOAD_MAX_MEMORY_SIZE, hit by the CSRF check
        (400, JSON_TYPE, "invalid_request"),
        # Anonymous: the session auth refuses before the body is read; still the JSON error.
        (401, JSON_TYPE, "not_authenticated"),
    ]


# --- Strict types ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [True, "10", 10.0])
def test_an_amount_that_is_not_an_integer_is_refused_and_nothing_is_paid(resident, demo, amount):
    before = wallet_selectors.wallet_balance(user=demo["resident"])
    assert_json_error(pay(resident, payment(amount=amount)), 400, "invalid_request")
    assert wallet_selectors.wallet_balance(user=demo["resident"]) == before
    assert not Transaction.objects.filter(kind="payment").exists()


def test_jpki_verify_takes_only_a_boolean_consent(resident):
    body = {"challenge_id": "x", "certificate": "AA==", "signature": "AA==", "keep_basic_info": "yes"}
    response = resident.post(
        "/api/v1/identity/jpki/verify", json.dumps(body), content_type="application/json"
    )
    body = assert_json_error(response, 400, "invalid_request")
    assert "keep_basic_info" in body["detail"]


@pytest.mark.parametrize("query", ["limit=1.0", "limit=1_0", "limit=+5", "offset=%201"])
def test_list_parameters_take_plain_digits_only(client, query):
    assert_json_error(client.get(f"/api/v1/procedures?{query}"), 400, "invalid_request")


def test_plain_list_parameters_still_work(client):
    body = client.get("/api/v1/procedures", {"limit": "3", "offset": "2", "channel": "counter"}).json()
    assert len(body["results"]) == 3


def test_a_valid_payment_still_goes_through(resident, demo):
    before = wallet_selectors.wallet_balance(user=demo["resident"])
    response = pay(resident, payment())
    assert response.status_code == 201, response.content
    assert response.json()["balance"] == before - 10


# --- Content type and the OpenAPI document ---------------------------------------------------------


def test_api_answers_say_their_charset_once(client, resident):
    assert client.get("/api/v1/procedures?limit=1")["Content-Type"] == JSON_TYPE
    assert client.get("/api/v1/procedures/no-such")["Content-Type"] == JSON_TYPE
    assert resident.get("/api/v1/wallet")["Content-Type"] == JSON_TYPE


EXPECTED_ERRORS = {
    ("get", "/api/v1/procedures"): {400},
    ("get", "/api/v1/procedures.csv"): {400},
    ("get", "/api/v1/procedures/{slug}"): {400, 404},
    ("post", "/api/v1/identity/jpki/challenge"): {400, 401, 403, 413},
    ("post", "/api/v1/identity/jpki/verify"): {400, 401, 403, 404, 409, 413, 415},
    ("get", "/api/v1/counter/requests/{token}"): {400, 401, 403, 404, 410, 429},
    ("get", "/api/v1/wallet"): {400, 401},
    ("post", "/api/v1/wallet/payments"): {400, 401, 403, 404, 409, 413, 415},
}


def test_openapi_declares_every_error_answer_with_the_error_schema(client):
    spec = client.get("/api/v1/openapi.json").json()
    declared = {
        (method, path): operation["responses"]
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    }
    assert set(declared) == set(EXPECTED_ERRORS)
    error_schema = spec["components"]["schemas"]["ErrorOut"]
    assert set(error_schema["required"]) == {"error", "detail"}
    for key, statuses in EXPECTED_ERRORS.items():
        responses = declared[key]
        assert statuses <= {int(s) for s in responses}, key
        for status in statuses:
            content = responses[str(status)]["content"]
            assert content == {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}, key


def test_openapi_documents_the_json_bodies_and_the_csv(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/wallet/payments", "/api/v1/identity/jpki/verify"):
        body = spec["paths"][path]["post"]["requestBody"]["content"]
        assert list(body) == ["application/json"], path
    csv = spec["paths"]["/api/v1/procedures.csv"]["get"]["responses"]["200"]["content"]
    assert list(csv) == ["text/csv"]

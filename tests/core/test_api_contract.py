"""Schemathesis against /api/v1/openapi.json, in process (issue 15, item 5): for every operation, generated
requests (valid ones and invalid ones: wrong types, missing fields, NUL characters, odd content types) get
no 5xx, and every answer has a declared status, content type and schema.

The application is called through WSGI, so the real middleware runs, CSRF included; a resident's session
is used for their endpoints and a counter clerk's (with a second factor) for the staff one. Bounded:
25 examples an operation, no shrinking, derandomized, so that it is quick and repeatable in CI.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.catalogue.models import Procedure
from apps.demo.services import demo_accounts_load
from apps.identity.models import User
from tests.counter.helpers import create
from tests.identity.helpers import log_in_with_second_factor

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CSRF_SECRET = "c" * 32
JSON = "application/json"

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "mode": "all",
            "max-examples": 25,
            "no-shrink": True,
            "deterministic": True,
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=CONFIG)


@pytest.fixture
def sessions(db):
    """Session cookies of a resident (with points) and of a counter clerk who used their second factor."""
    demo_accounts_load()
    resident = Client()
    resident.force_login(User.objects.get(email="resident@example.jp"))
    clerk = Client()
    log_in_with_second_factor(clerk, "staff@example.jp")
    # In a test the database work runs in one transaction: Django's request signals must not close the
    # connection under it (the test client disconnects them in the same way).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"resident": resident.cookies["sessionid"].value, "staff": clerk.cookies["sessionid"].value}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def plant_nul(case) -> None:
    """Put a NUL into the first text value the case sends (path, query, then body): the attack that made
    PostgreSQL fail. Generated text seldom holds one in a bounded run, so about half of the cases get one."""
    for values in (case.path_parameters, case.query, case.body):
        if isinstance(values, dict):
            for name, value in values.items():
                if isinstance(value, str):
                    values[name] = value + "\x00"
                    return


SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None
)


def caller(case) -> str:
    return "staff" if case.path.startswith("/api/v1/counter/") else "resident"


def call_as(who: str, case, sessions):
    return case.call_and_validate(
        headers={"X-CSRFToken": CSRF_SECRET},
        cookies={"sessionid": sessions[who], "csrftoken": CSRF_SECRET},
        checks=CHECKS,
    )


@schema.parametrize()
@SETTINGS
def test_the_api_keeps_its_openapi_contract(case, sessions):
    call_as(caller(case), case, sessions)


@schema.parametrize()
@schema.given(with_nul=st.booleans())
@SETTINGS
def test_the_api_keeps_its_contract_with_nul_characters(case, with_nul, sessions):
    # With extra strategies schemathesis runs its fuzzing phase only; the test above has the coverage phase.
    if with_nul:
        plant_nul(case)
    call_as(caller(case), case, sessions)


def test_the_success_answers_keep_their_schemas(sessions):
    """Generated values seldom name real data: each success answer, on real data, against its schema."""
    counter_request = create(User.objects.get(email="resident@example.jp"))
    slug = Procedure.objects.filter(published=True).values_list("slug", flat=True).first()
    payment = {"merchant": "demo-udon", "amount": 100, "idempotency_key": "contract-payment-1"}
    calls = [
        ("resident", schema["/api/v1/procedures"]["GET"].Case(query={"q": "住民票", "limit": "3"}), 200),
        ("resident", schema["/api/v1/procedures/{slug}"]["GET"].Case(path_parameters={"slug": slug}), 200),
        ("resident", schema["/api/v1/procedures.csv"]["GET"].Case(), 200),
        ("resident", schema["/api/v1/identity/jpki/challenge"]["POST"].Case(), 201),
        ("resident", schema["/api/v1/wallet"]["GET"].Case(), 200),
        ("resident", schema["/api/v1/wallet/payments"]["POST"].Case(body=payment, media_type=JSON), 201),
        ("resident", schema["/api/v1/wallet/payments"]["POST"].Case(body=payment, media_type=JSON), 201),
        (
            "staff",
            schema["/api/v1/counter/requests/{token}"]["GET"].Case(
                path_parameters={"token": counter_request.token}
            ),
            200,
        ),
    ]
    for who, case, status in calls:
        response = call_as(who, case, sessions)
        assert response.status_code == status, (case.method, case.path, response.text[:300])

"""After the whole suite: no database column and no captured log line holds a valid individual number.

The module name sorts last and conftest.py moves this test to the very end of the run; the log lines
it reads were captured by a handler installed at the start of the session (see conftest.py).
"""

import logging
import re

import pytest
from django.apps import apps
from django.db import connection, models

from apps.core.mynumber import check_digit, contains_my_number, validate_no_my_number

from ..conftest import CAPTURED_LOG_LINES

VALID = "12345678901" + str(check_digit("12345678901"))
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.EmailField)
# Fields that hold machine values, never free text typed by a person.
MACHINE_FIELDS = {"slug", "code", "reading", "password", "card_hash", "method", "level", "result", "gender",
                  "email", "online_url", "counter_form", "preferred_language", "session_key", "session_data",
                  "event", "dedupe_key", "last_error", "kind", "checksum", "error", "file",
                  "token_hash", "token_encrypted", "short_code_hash", "short_code_encrypted", "field",
                  "system_code", "idempotency_key", "request_hash",
                  "event_code", "reference",
                  "draw_seed", "provider_ref",
                  "contact_email", "bank_code", "branch_code", "account_number",
                  "url", "issuer", "etag"}  # fmt: skip


@pytest.mark.django_db
def test_every_free_text_field_of_the_project_refuses_an_individual_number():
    missing = []
    for model in apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.CharField | models.TextField) or field.choices:
                continue
            if field.name in MACHINE_FIELDS or field.name.endswith("_alt") or not field.editable:
                continue
            if validate_no_my_number not in field.validators:
                missing.append(f"{model._meta.label}.{field.name}")
    assert not missing, missing


@pytest.mark.django_db
def test_entry_points_refuse_or_mask_a_number_typed_by_a_resident(client):
    spaced = f"{VALID[:4]} {VALID[4:8]} {VALID[8:]}"
    client.get("/procedures/", {"q": spaced})
    client.get("/api/v1/procedures", {"q": VALID})
    logging.getLogger("apps.test").warning("resident typed %s into a form", VALID)
    logging.getLogger("django.request").error("Bad Request: /procedures/?q=%s", spaced)


@pytest.mark.django_db
def test_no_database_column_and_no_log_line_contains_an_individual_number():
    assert CAPTURED_LOG_LINES, "the session log capture is not working"
    assert any("[個人番号マスク]" in line for line in CAPTURED_LOG_LINES), "masking was never exercised"
    leaked = [line for line in CAPTURED_LOG_LINES if contains_my_number(line)]
    assert not leaked, leaked[:5]

    hits = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            text_columns = [f.column for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
            if not text_columns:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            cols = ", ".join(connection.ops.quote_name(c) for c in text_columns)
            cursor.execute(f"SELECT {cols} FROM {table}")  # noqa: S608 - names from the model registry
            for row in cursor.fetchall():
                for column, value in zip(text_columns, row, strict=True):
                    if value and re.search(r"\d", str(value)) and contains_my_number(str(value)):
                        hits.append(f"{model._meta.db_table}.{column}")
    assert not hits, hits

"""The My Number guard and every path that keeps a person's text: a valid individual number in any
separator and width is refused (or masked in logs), numbers with a wrong check digit pass, and nothing
valid is stored. The closing scan after each test (conftest.py) checks the tables these paths write."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.catalogue.models import Procedure, SearchUsageDay, ZeroResultQueryDay
from apps.catalogue.services import usage_flush, usage_search_count
from apps.core.mynumber import (
    MASK,
    check_digit,
    contains_my_number,
    fold,
    mask_my_numbers,
    validate_no_my_number,
)
from apps.counter.forms import FORMS
from apps.wallet.services import WalletError, client_key

from ..conftest import CAPTURED_LOG_LINES, individual_numbers_kept
from ..counter.helpers import form_data

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# What people put between the groups of a number, typed, pasted or left by an IME; and the invisible
# characters that come with pasted text.
SEPARATORS = [" ", "-", "　", "ー", "‐", "−", "–", ".", "．", "/", "・", "_", ",", "、", "\t", "\n", "~"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff"]
WORDS = st.text(alphabet="あいうえおカタカナ漢字番号はですを　。", max_size=8)
DB_EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def written(draw, digits: str) -> str:
    """`digits` as a person might write them: each digit half or full width, split into groups by runs
    of one to three separators, invisible characters anywhere."""
    out = []
    for i, digit in enumerate(digits):
        if i and draw(st.booleans()):
            out.append("".join(draw(st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=3))))
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(INVISIBLE)))
        out.append(digit.translate(FULL_WIDTH) if draw(st.booleans()) else digit)
    return "".join(out)


@st.composite
def valid_numbers(draw) -> str:
    first = draw(st.text(alphabet="0123456789", min_size=11, max_size=11))
    return first + str(check_digit(first))


@st.composite
def wrong_check_digit_numbers(draw) -> str:
    first = draw(st.text(alphabet="0123456789", min_size=11, max_size=11))
    wrong = draw(st.integers(0, 9).filter(lambda d: d != check_digit(first)))
    return first + str(wrong)


PHONE_NUMBERS = st.sampled_from(
    ["087-839-2011", "090-1234-5678", "0120-123-456", "087（839）2111", "03-5253-2111"]
)


@st.composite
def text_with(draw, numbers) -> str:
    return draw(WORDS) + draw(numbers.flatmap(written)) + draw(WORDS)


@given(text=text_with(valid_numbers()))
def test_the_guard_refuses_a_valid_number_in_any_separator_width_or_invisible_character(text):
    assert contains_my_number(text)
    with pytest.raises(ValidationError, match="個人番号"):
        validate_no_my_number(text)
    assert MASK in mask_my_numbers(text)
    assert not contains_my_number(mask_my_numbers(text))


@given(text=text_with(wrong_check_digit_numbers() | PHONE_NUMBERS))
def test_the_guard_accepts_numbers_with_a_wrong_check_digit_and_phone_numbers(text):
    assert not contains_my_number(text)
    validate_no_my_number(text)
    assert mask_my_numbers(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "1234  5678  9018",  # repeated separators (seen stored by the search statistics)
        "1234.5678.9018",
        "1234／5678／9018",
        "1234\u200b5678\u200b9018",
        "12345\u00ad6789018",
        "1234 - 5678 - 9018",
    ],
)
def test_separators_other_than_space_and_hyphen_are_caught(text):
    assert contains_my_number(text)


def test_ids_the_code_makes_are_not_individual_numbers():
    # A UUID whose last group is a valid number: seen on 0.23 % of counter requests.
    made = uuid.UUID("68ff3b3c-0b5e-4c1a-9d2e-123456789018")
    assert not contains_my_number(str(made)) and not contains_my_number(made.hex)
    line = f"document {made} rendered for request {made.hex}"
    assert mask_my_numbers(line) == line
    digest = "a3f9123456789018bc77dd0e" * 2
    assert mask_my_numbers(digest) == digest


def test_random_uuids_and_sha256_digests_pass_the_guard_and_the_log_masking():
    import hashlib

    for i in range(20000):
        made = str(uuid.uuid4())
        digest = hashlib.sha256(str(i).encode()).hexdigest()
        assert mask_my_numbers(made) == made and mask_my_numbers(digest) == digest


def test_a_url_encoded_number_in_an_access_log_line_is_masked():
    line = 'GET /procedures/?q=1234%20%205678%E3%80%809018 HTTP/1.1" 200'
    masked = mask_my_numbers(line)
    assert MASK in masked and not contains_my_number(masked)


@pytest.mark.django_db
@DB_EXAMPLES
@given(typed=valid_numbers().flatmap(written))
def test_a_zero_result_search_never_stores_a_valid_number(typed):
    ZeroResultQueryDay.objects.all().delete()
    usage_search_count(query=f"番号 {typed}", results=0)
    usage_flush()
    assert not [
        q for q in ZeroResultQueryDay.objects.values_list("query", flat=True) if contains_my_number(q)
    ]


@pytest.mark.django_db
def test_the_stored_form_of_a_query_is_checked_not_only_what_was_typed():
    # Typed, the colons join no number; folded for storage they become the spaces between its groups.
    typed = "1234::5678::9018"
    assert not contains_my_number(typed)
    usage_search_count(query=typed, results=0)
    usage_search_count(query="ひっこし", results=0)
    usage_flush()
    assert list(ZeroResultQueryDay.objects.values_list("query", flat=True)) == ["ひっこし"]
    assert SearchUsageDay.objects.get().zero_results == 2


@pytest.mark.django_db
@DB_EXAMPLES
@given(number=valid_numbers(), bad=wrong_check_digit_numbers())
def test_a_sign_up_e_mail_whose_local_part_is_a_valid_number_is_refused(client, number, bad):
    from apps.identity.models import User

    password = "a-long-enough-Passw0rd"
    refused = client.post(
        "/accounts/signup/", {"email": f"{number}@example.jp", "password1": password, "password2": password}
    )
    assert refused.status_code == 200 and "個人番号" in refused.content.decode()
    assert not User.objects.filter(email__startswith=number).exists()
    accepted = client.post(
        "/accounts/signup/", {"email": f"{bad}@example.jp", "password1": password, "password2": password}
    )
    assert accepted.status_code == 302
    assert User.objects.filter(email=f"{bad}@example.jp").exists()
    client.logout()


@given(number=valid_numbers().flatmap(written), bad=wrong_check_digit_numbers())
def test_an_idempotency_key_a_client_chooses_may_not_carry_a_valid_number(number, bad):
    with pytest.raises(WalletError) as refused:
        client_key(f"key-{number}", owner="resident:1")
    assert refused.value.code == "my_number_refused"
    assert client_key(f"key-{bad}", owner="resident:1").startswith("c:")
    assert client_key(str(uuid.uuid4()), owner="resident:1").startswith("c:")


@pytest.mark.django_db
def test_a_slug_that_becomes_a_url_may_not_be_a_valid_number():
    procedure = Procedure.objects.first()
    procedure.slug = "tetsuzuki-123456789018"
    with pytest.raises(ValidationError) as refused:
        procedure.full_clean()
    assert "slug" in refused.value.message_dict


@pytest.mark.django_db
@DB_EXAMPLES
@given(number=valid_numbers().flatmap(written))
def test_the_counter_form_refuses_a_valid_number_in_free_text(number):
    form = FORMS["zeishomei"](form_data("zeishomei", recipient=f"提出先 {number}"))
    assert not form.is_valid()
    assert "recipient" in form.errors


@given(number=valid_numbers().flatmap(written))
def test_a_log_line_never_carries_a_valid_number(number):
    first = len(CAPTURED_LOG_LINES)
    logging.getLogger("apps.test").warning("resident typed %s into a form", number)
    [line] = CAPTURED_LOG_LINES[first:]
    assert line.startswith("apps.test WARNING resident typed ") and line.endswith(f"{MASK} into a form")
    assert not contains_my_number(line)


@pytest.mark.django_db
def test_the_closing_scan_finds_a_number_written_past_the_guard():
    ZeroResultQueryDay.objects.create(day="2026-12-04", query="clean", count=1)
    assert individual_numbers_kept() == []
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(ZeroResultQueryDay._meta.db_table)
        cursor.execute(f"UPDATE {table} SET query = %s", ["1234 5678 9018"])  # noqa: S608
    assert individual_numbers_kept() == [f"{ZeroResultQueryDay._meta.db_table}.query"]
    ZeroResultQueryDay.objects.all().delete()  # leave nothing for this test's own closing scan


def test_the_one_normal_form_drops_invisible_characters_and_folds_width():
    assert fold("１２\u200b３\u00ad４　ｱ") == "1234 ア"


# Fields that hold machine values the code makes, never text a person typed or chose.
MACHINE_FIELDS = {"reading", "password", "card_hash", "method", "level", "result", "gender",
                  "online_url", "counter_form", "preferred_language", "session_key", "session_data",
                  "event", "dedupe_key", "last_error", "kind", "checksum", "error", "file",
                  "token_hash", "token_encrypted", "short_code_hash", "short_code_encrypted", "field",
                  "system_code", "idempotency_key", "request_hash", "reference",
                  "draw_seed", "provider_ref", "bank_code", "branch_code", "account_number",
                  "url", "issuer", "etag"}  # fmt: skip


@pytest.mark.django_db
def test_every_field_that_keeps_a_persons_text_refuses_an_individual_number():
    from django.apps import apps
    from django.db import models

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
    valid = "12345678901" + str(check_digit("12345678901"))
    spaced = f"{valid[:4]}  {valid[4:8]}  {valid[8:]}"
    assert client.get("/procedures/", {"q": spaced}).status_code == 200
    assert client.get("/api/v1/procedures", {"q": valid}).status_code == 200
    first = len(CAPTURED_LOG_LINES)
    logging.getLogger("django.request").error("Bad Request: /procedures/?q=%s", spaced)
    assert CAPTURED_LOG_LINES[first:] == [f"django.request ERROR Bad Request: /procedures/?q={MASK}"]


def test_gunicorns_access_log_never_carries_a_valid_number(tmp_path):
    import datetime as dt
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    access = Logger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/procedures/?q=1234%E3%80%80%E3%80%805678-9018",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    access.access(response, [], environ, dt.timedelta(milliseconds=5))
    for handler in access.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert '"GET /procedures/?q=' in line and MASK in line
    assert not contains_my_number(line)

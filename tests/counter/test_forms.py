import pytest

from apps.core.mynumber import check_digit
from apps.counter.constants import FormKind
from apps.counter.forms import FORMS
from apps.counter.gaiji import gaiji_characters

from .helpers import form_data

MY_NUMBER = "12345678901" + str(check_digit("12345678901"))


@pytest.mark.parametrize("kind", list(FormKind.values))
def test_each_paper_form_accepts_a_complete_request(kind, db):
    form = FORMS[kind](form_data(kind))
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("kind", "overrides", "field"),
    [
        ("juminhyo", {"requester_birth_date": "2026-02-30"}, "requester_birth_date"),
        ("juminhyo", {"requester_birth_date": "2999-01-01"}, "requester_birth_date"),
        ("koseki", {"relationship": "third_party", "third_party_reason": ""}, "third_party_reason"),
        ("juminhyo", {"relationship": "proxy"}, "proxy_letter"),
        ("inkan", {"inkan_card": ""}, "inkan_card"),
        (
            "inkan",
            {"relationship": "third_party", "third_party_reason": "相続の手続きのために必要です"},
            "relationship",
        ),
        ("juminhyo", {"requester_name": MY_NUMBER}, "requester_name"),
        ("juminhyo", {"requester_phone": MY_NUMBER}, "requester_phone"),
        (
            "inkan",
            {"requester_phone": f"{MY_NUMBER[:4]}-{MY_NUMBER[4:8]}-{MY_NUMBER[8:]}"},
            "requester_phone",
        ),
        ("zeishomei", {"recipient": f"{MY_NUMBER[:4]} {MY_NUMBER[4:8]} {MY_NUMBER[8:]}"}, "recipient"),
        ("juminhyo", {"requester_address": "あ" * 10000}, "requester_address"),
        ("juminhyo", {"copies_juminhyo_all": "11"}, "copies_juminhyo_all"),
        ("juminhyo", {"purpose": "other", "purpose_other": ""}, "purpose_other"),
        ("koseki", {"honseki": ""}, "honseki"),
    ],
)
def test_bad_input_gets_a_field_error(kind, overrides, field, db):
    form = FORMS[kind](form_data(kind, **overrides))
    assert not form.is_valid()
    assert field in form.errors, form.errors


def test_no_certificate_is_a_form_error(db):
    form = FORMS["juminhyo"](form_data("juminhyo", copies_juminhyo_all="0"))
    assert not form.is_valid() and form.non_field_errors()


def test_a_third_party_with_a_real_reason_may_request_a_family_register(db):
    form = FORMS["koseki"](
        form_data(
            "koseki",
            relationship="third_party",
            third_party_reason="亡くなった叔父の相続手続きで、債権者として必要です",
        )
    )
    assert form.is_valid(), form.errors


def test_characters_outside_jis_x_0208_are_flagged():
    assert gaiji_characters("髙松　太郎") == ["髙"]
    assert gaiji_characters("高松　太郎") == []
    assert gaiji_characters("𠮷田") == ["𠮷"]


def test_a_proxy_for_a_seal_certificate_brings_the_card_not_a_letter(db):
    form = FORMS["inkan"](form_data("inkan", relationship="proxy"))
    assert "proxy_letter" not in form.fields
    assert form.is_valid(), form.errors
    assert not FORMS["juminhyo"](form_data("juminhyo", relationship="proxy")).is_valid()

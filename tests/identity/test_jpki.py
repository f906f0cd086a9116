"""JPKI challenge-response with real signatures from test cards (SPEC §3.2 route 1, §4)."""

import base64
import datetime as dt
import json
import re

import pytest
import time_machine
from django.conf import settings

from apps.identity import services
from apps.identity.jpki_testca import CardHolder, DemoCA, DemoCard
from apps.identity.models import IdentityVerification, JPKIChallenge, VerificationAttempt

from .factories import UserFactory

pytestmark = pytest.mark.django_db

CHALLENGE = "/api/v1/identity/jpki/challenge"
VERIFY = "/api/v1/identity/jpki/verify"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def card(name: str) -> DemoCard:
    from pathlib import Path

    return DemoCard.load(Path(settings.TAKAMATSU_DEMO_CARDS_DIR), name)


@pytest.fixture
def resident(client):
    user = UserFactory()
    client.force_login(user)
    return user


def challenge(client) -> tuple[str, bytes]:
    response = client.post(CHALLENGE)
    assert response.status_code == 201, response.content
    body = response.json()
    nonce = base64.urlsafe_b64decode(body["nonce"] + "=" * (-len(body["nonce"]) % 4))
    return body["challenge_id"], nonce


def post(client, payload) -> tuple[int, dict]:
    response = client.post(VERIFY, json.dumps(payload), content_type="application/json")
    return response.status_code, response.json()


def signed(client, test_card: DemoCard, **overrides) -> dict:
    challenge_id, nonce = challenge(client)
    payload = {
        "challenge_id": challenge_id,
        "certificate": b64(test_card.der),
        "intermediates": [],
        "signature": b64(test_card.sign(nonce)),
    }
    payload.update(overrides)
    return payload


def test_the_nonce_is_32_random_bytes_valid_for_five_minutes(client, resident):
    response = client.post(CHALLENGE).json()
    nonce = base64.urlsafe_b64decode(response["nonce"] + "=" * (-len(response["nonce"]) % 4))
    assert len(nonce) == 32
    stored = JPKIChallenge.objects.get(pk=response["challenge_id"])
    assert (stored.expires_at - stored.created_at) == dt.timedelta(minutes=5)
    assert challenge(client)[1] != nonce


def test_a_takamatsu_card_verifies_the_resident(client, resident):
    status, body = post(client, signed(client, card("takamatsu-resident"), keep_basic_info=True))
    assert status == 200, body
    assert body["status"] == "verified" and body["resident"] is True
    v = IdentityVerification.objects.get(user=resident)
    assert v.method == "jpki" and v.is_takamatsu_resident
    assert v.name == "高松　太郎" and v.address.startswith("香川県高松市")
    assert v.birth_date == dt.date(1980, 2, 17) and v.gender == "1"
    assert v.certificate_expires_at == card("takamatsu-resident").certificate.not_valid_after_utc
    assert len(v.card_hash) == 64  # a keyed hash, not the serial
    assert VerificationAttempt.objects.filter(user=resident, result="verified").count() == 1


def test_the_basic_four_are_kept_only_when_the_resident_consents(client, resident):
    """Consent is opt-in: a verification that does not say so keeps the level, not the 基本4情報."""
    assert post(client, signed(client, card("takamatsu-resident")))[0] == 200
    v = IdentityVerification.objects.get(user=resident)
    assert (v.basic_info_kept, v.name, v.address, v.birth_date) == (False, "", "", None)
    html = client.get("/identity/verify/").content.decode()
    boxes = re.findall(r"<input[^>]*keep_basic_info[^>]*>", html)
    assert boxes and not [b for b in boxes if "checked" in b]


def test_a_card_from_another_city_verifies_with_resident_false(client, resident):
    status, body = post(client, signed(client, card("marugame-resident")))
    assert status == 200 and body["resident"] is False


def test_a_replayed_challenge_is_refused(client, resident):
    payload = signed(client, card("takamatsu-resident"))
    assert post(client, payload)[0] == 200
    status, body = post(client, payload)
    assert (status, body["error"]) == (400, "challenge_used")


def test_a_challenge_older_than_five_minutes_is_refused(client, resident):
    payload = signed(client, card("takamatsu-resident"))
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5, seconds=1)):
        status, body = post(client, payload)
    assert (status, body["error"]) == (400, "challenge_expired")
    assert not IdentityVerification.objects.filter(user=resident).exists()


def test_a_tampered_signature_is_refused(client, resident):
    payload = signed(client, card("takamatsu-resident"))
    sig = bytearray(base64.b64decode(payload["signature"]))
    sig[10] ^= 0x01
    status, body = post(client, {**payload, "signature": b64(bytes(sig))})
    assert (status, body["error"]) == (400, "signature_invalid")


def test_a_signature_over_other_bytes_is_refused(client, resident):
    c = card("takamatsu-resident")
    challenge_id, nonce = challenge(client)
    payload = {"challenge_id": challenge_id, "certificate": b64(c.der), "signature": b64(c.sign(nonce[::-1]))}
    assert post(client, payload)[1]["error"] == "signature_invalid"


def test_a_certificate_from_another_ca_is_refused(client, resident):
    other = DemoCA.create("Some Other CA").issue_card("stranger", CardHolder())
    status, body = post(client, signed(client, other))
    assert (status, body["error"]) == (400, "certificate_untrusted")


def test_an_expired_certificate_is_refused(client, resident):
    assert post(client, signed(client, card("expired")))[1]["error"] == "certificate_expired"


def test_a_revoked_certificate_is_refused_from_the_crl(client, resident):
    assert post(client, signed(client, card("revoked")))[1]["error"] == "certificate_revoked"


def test_a_certificate_without_the_basic_information_is_refused(client, resident):
    assert post(client, signed(client, card("no-basic-info")))[1]["error"] == "certificate_unsupported"


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        ({"certificate": "***not base64***"}, "invalid_encoding", 400),
        ({"signature": "abc"}, "invalid_encoding", 400),
        ({"certificate": b64(b"\x30\x03\x02\x01\x01")}, "certificate_malformed", 400),
        ({"intermediates": [b64(b"garbage")]}, "certificate_malformed", 400),
        ({"certificate": None}, "invalid_request", 400),
        ({"challenge_id": "not-a-uuid"}, "challenge_not_found", 404),
        ({"challenge_id": "6f1c1a40-0000-4000-8000-000000000000"}, "challenge_not_found", 404),
    ],
)
def test_bad_input_gets_its_code_and_changes_nothing(client, resident, change, code, status):
    payload = signed(client, card("takamatsu-resident"), **change)
    got_status, body = post(client, payload)
    assert (got_status, body["error"]) == (status, code), body
    assert not IdentityVerification.objects.filter(user=resident).exists()


def test_a_missing_field_oversized_payload_and_wrong_content_type_are_refused(client, resident):
    payload = signed(client, card("takamatsu-resident"))
    del payload["signature"]
    assert (
        post(client, payload) == (400, post(client, payload)[1])
        and post(client, payload)[1]["error"] == "invalid_request"
    )
    big = json.dumps({**payload, "padding": "x" * (settings.TAKAMATSU_API_MAX_BODY_BYTES + 1)})
    response = client.post(VERIFY, big, content_type="application/json")
    assert (response.status_code, response.json()["error"]) == (413, "payload_too_large")
    response = client.post(VERIFY, payload)  # form-encoded
    assert (response.status_code, response.json()["error"]) == (415, "unsupported_media_type")
    assert not IdentityVerification.objects.filter(user=resident).exists()


def test_another_users_challenge_cannot_be_used(client, resident):
    payload = signed(client, card("takamatsu-resident"))
    client.force_login(UserFactory())
    status, body = post(client, payload)
    assert (status, body["error"]) == (404, "challenge_not_found")


def test_anonymous_callers_are_refused(client):
    assert client.post(CHALLENGE).status_code == 401
    assert post(client, {"challenge_id": "x"})[0] == 401


def test_one_card_verifies_one_account(client, resident):
    assert post(client, signed(client, card("takamatsu-resident")))[0] == 200
    client.force_login(UserFactory())
    status, body = post(client, signed(client, card("takamatsu-resident")))
    assert (status, body["error"]) == (409, "card_in_use")


def test_every_attempt_is_audited_with_a_code_and_no_personal_data(client, resident):
    post(client, signed(client, card("revoked")))
    post(client, signed(client, card("takamatsu-resident")))
    rows = list(VerificationAttempt.objects.filter(user=resident).values_list("result", flat=True))
    assert sorted(rows) == ["certificate_revoked", "verified"]
    field_names = {f.name for f in VerificationAttempt._meta.get_fields()}
    assert field_names <= {"id", "user", "method", "result", "created_at"}


def test_the_basic_information_is_not_kept_without_consent(client, resident):
    status, _ = post(client, signed(client, card("takamatsu-resident"), keep_basic_info=False))
    assert status == 200
    v = IdentityVerification.objects.get(user=resident)
    assert v.is_takamatsu_resident and not v.basic_info_kept
    assert (v.name, v.address, v.birth_date, v.gender) == ("", "", None, "")


def test_substitute_character_forms_are_read():
    from apps.identity.jpki import read_basic_info

    ca = DemoCA.create()
    holder = CardHolder(
        name="髙松　太郎", name_alt="高松　太郎", address="香川県高松市", address_alt="香川県高松市"
    )
    info = read_basic_info(ca.issue_card("x", holder).certificate)
    assert info["name"] == "髙松　太郎" and info["name_alt"] == "高松　太郎"


@pytest.mark.parametrize(
    ("address", "resident"),
    [
        ("香川県高松市番町一丁目8番15号", True),
        ("香川県 高松市 番町", True),
        ("香川県丸亀市大手町", False),
        ("高松市", False),
    ],
)
def test_residency_is_read_from_the_normalised_address(address, resident):
    from apps.identity.jpki import is_takamatsu_address

    assert is_takamatsu_address(address) is resident


def test_without_a_crl_for_the_ca_nothing_verifies(client, resident, settings):
    settings.TAKAMATSU_JPKI_CRLS = []
    status, body = post(client, signed(client, card("takamatsu-resident")))
    assert (status, body["error"]) == (400, "certificate_untrusted")


def test_an_api_error_is_told_in_the_callers_language(client, resident):
    """Japanese by default, English for a caller that asks for it (Accept-Language), same code."""
    status, body = post(client, signed(client, card("revoked")))
    assert (status, body) == (
        400,
        {"error": "certificate_revoked", "detail": "この電子証明書は失効しています。"},
    )
    payload = signed(client, card("revoked"))
    response = client.post(
        VERIFY, json.dumps(payload), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json() == {
        "error": "certificate_revoked",
        "detail": "This electronic certificate has been revoked.",
    }
    response = client.post(VERIFY, "not json", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"error": "invalid_request", "detail": "The body is not valid JSON."}
    client.logout()
    response = client.post(CHALLENGE, HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response.json()["detail"]) == (401, "Login required.")
    assert client.post(CHALLENGE).json()["detail"] == "ログインが必要です。"


def test_challenges_a_day_past_their_expiry_are_purged_and_answering_one_is_refused(client, resident):
    stale = signed(client, card("takamatsu-resident"))
    fresh = signed(client, card("takamatsu-resident"))
    JPKIChallenge.objects.filter(pk=stale["challenge_id"]).update(
        expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1, seconds=1)
    )
    assert services.jpki_challenges_purge() == 1
    assert services.jpki_challenges_purge() == 0
    assert post(client, stale) == (404, post(client, stale)[1]) and post(client, stale)[1]["error"] == (
        "challenge_not_found"
    )
    assert post(client, fresh)[0] == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_card_at_the_same_moment_from_two_accounts_verifies_one_of_them(postgres, monkeypatch):
    """Two real clients (threads with their own connections) verify one card at once: one wins, the other
    gets card_in_use, and only the winner gets the verification bonus."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections
    from django.test import Client

    from apps.wallet.constants import CampaignKind
    from apps.wallet.models import CampaignAward
    from tests.wallet.test_campaigns import make_campaign

    make_campaign(CampaignKind.VERIFICATION, points=500, per_person_cap=500)
    users = [UserFactory(), UserFactory()]
    clients = [Client() for _ in users]
    payloads = []
    for client, user in zip(clients, users, strict=True):
        client.force_login(user)
        payloads.append(signed(client, card("takamatsu-resident")))
    # Both pass the "card in use" check before either writes: the interleaving the outside test found.
    checked = threading.Barrier(2, timeout=30)
    real_filter = IdentityVerification.objects.filter

    def filter_then_wait(*args, **kwargs):
        result = real_filter(*args, **kwargs)
        if "card_hash" in kwargs:
            result = list(result)  # evaluated now, as the check does, then wait for the other client
            checked.wait()
            return real_filter(pk__in=[v.pk for v in result])
        return result

    monkeypatch.setattr(IdentityVerification.objects, "filter", filter_then_wait)

    def verify(i):
        try:
            return post(clients[i], payloads[i])
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(verify, range(2)))
    monkeypatch.undo()
    assert sorted(status for status, _body in results) == [200, 409]
    assert [body["error"] for status, body in results if status == 409] == ["card_in_use"]
    assert IdentityVerification.objects.count() == 1
    assert CampaignAward.objects.count() == 1
    assert CampaignAward.objects.get().user_id == IdentityVerification.objects.get().user_id

"""TAKAMATSU_JPKI_CRLS naming a URL (SPEC §4 "paths or URLs"): the list is fetched from a real HTTP peer,
kept in the database, refreshed when due, and a card is never taken as unrevoked without a current list."""

import base64
import datetime as dt
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.identity import crls, tasks
from apps.identity.jpki_testca import DemoCA
from apps.identity.models import IdentityVerification, RevocationList, VerificationAttempt
from tests.peers.crl_server import CRLServer

from .factories import UserFactory

pytestmark = pytest.mark.django_db

CHALLENGE = "/api/v1/identity/jpki/challenge"
VERIFY = "/api/v1/identity/jpki/verify"


@pytest.fixture
def ca(tmp_path, settings):
    """A CA of this test's own, trusted through a file; its CRL only through the URL."""
    authority = DemoCA.create()
    (tmp_path / "ca.pem").write_bytes(authority.pem)
    settings.TAKAMATSU_JPKI_TRUST_ANCHORS = str(tmp_path / "ca.pem")
    return authority


@pytest.fixture
def server(ca, settings):
    with CRLServer() as peer:
        peer.body = ca.crl()
        settings.TAKAMATSU_JPKI_CRLS = [peer.url]
        yield peer


@pytest.fixture
def resident(client):
    user = UserFactory()
    client.force_login(user)
    return user


def verify(client, card) -> tuple[int, dict]:
    body = client.post(CHALLENGE).json()
    nonce = base64.urlsafe_b64decode(body["nonce"] + "=" * (-len(body["nonce"]) % 4))
    payload = {
        "challenge_id": body["challenge_id"],
        "certificate": base64.b64encode(card.der).decode(),
        "intermediates": [],
        "signature": base64.b64encode(card.sign(nonce)).decode(),
    }
    response = client.post(VERIFY, json.dumps(payload), content_type="application/json")
    return response.status_code, response.json()


def test_the_first_verification_fetches_the_list_and_keeps_it(client, resident, ca, server):
    status, body = verify(client, ca.issue_card("hanako"))
    assert (status, body["status"]) == (200, "verified")
    kept = RevocationList.objects.get(url=server.url)
    assert bytes(kept.der) == server.body and kept.last_error == ""
    assert kept.this_update is not None and kept.next_update > kept.this_update
    assert kept.issuer.endswith("C=JP") and "Takamatsu Test JPKI" in kept.issuer
    assert len(server.requests) == 1


def test_a_card_on_the_fetched_list_is_revoked(client, resident, ca, server):
    card = ca.issue_card("revoked")
    ca.revoke(card)
    server.body = ca.crl()
    status, body = verify(client, card)
    assert (status, body["error"]) == (400, "certificate_revoked")
    assert not IdentityVerification.objects.exists()


def test_beat_refreshes_a_due_list_and_a_newly_revoked_card_is_refused(
    client, resident, ca, server, settings
):
    card = ca.issue_card("lost")
    call_command("refresh_jpki_crls")
    ca.revoke(card)  # the card is reported lost: the CA publishes a new list
    server.body = ca.crl()
    assert tasks.refresh_crls() == 0  # fetched a moment ago: not due yet, the old list stays
    assert RevocationList.objects.get().revoked_count == 0
    with time_machine.travel(dt.timedelta(seconds=settings.TAKAMATSU_JPKI_CRL_REFRESH_SECONDS + 1)):
        assert tasks.refresh_crls() == 1
        kept = RevocationList.objects.get()
        assert kept.revoked_count == 1 and bytes(kept.der) == server.body
        client.force_login(resident)  # the session's absolute limit has passed meanwhile
        status, body = verify(client, card)
    assert (status, body["error"]) == (400, "certificate_revoked")


def test_an_unchanged_list_is_a_304_and_counts_as_fetched(ca, server):
    first = crls.crl_refresh(server.url)
    with time_machine.travel(dt.timedelta(hours=2)):
        again = crls.crl_refresh(server.url)
    assert server.requests[-1]["if_none_match"] != ""
    assert again.fetched_at > first.fetched_at and again.this_update == first.this_update
    assert bytes(again.der) == server.body and again.last_error == ""


@pytest.mark.parametrize(
    "answer, reason",
    [
        ("http500", "HTTP 500"),
        ("garbage", "not a CRL"),
        ("other_ca", "issuer is not a trust anchor"),
        ("forged", "signature does not verify"),
        ("older", "older than the list kept"),
        ("too_big", "larger than"),
    ],
)
def test_a_bad_answer_keeps_the_good_list_and_says_why(ca, server, settings, answer, reason):
    good = crls.crl_refresh(server.url)
    assert good.last_error == ""
    if answer == "http500":
        server.status = 500
    elif answer == "garbage":
        server.body = b"<html>maintenance</html>"
    elif answer == "other_ca":
        server.body = DemoCA.create(common_name="Somebody Else CA").crl()
    elif answer == "forged":
        impostor = DemoCA.create()  # same name as ours, another key
        impostor.certificate = ca.certificate
        server.body = impostor.crl()
    elif answer == "older":
        server.body = ca.crl(now=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    elif answer == "too_big":
        settings.TAKAMATSU_JPKI_CRL_MAX_BYTES = 100
        ca.revoked = list(range(1, 50))
        server.body = ca.crl(now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    kept = crls.crl_refresh(server.url)
    assert reason in kept.last_error
    assert bytes(kept.der) == bytes(good.der) and kept.this_update == good.this_update
    assert kept.fetched_at == good.fetched_at and kept.checked_at > good.checked_at


def test_without_any_list_from_the_url_verification_is_unavailable_and_nothing_changes(
    client, resident, ca, server
):
    server.status = 503
    status, body = verify(client, ca.issue_card("hanako"))
    assert (status, body["error"]) == (503, "verification_unavailable")
    assert not IdentityVerification.objects.exists()
    assert VerificationAttempt.objects.get().result == "verification_unavailable"
    assert RevocationList.objects.get().last_error == "HTTP 503"
    server.status = 200  # the distribution point is back: the next attempt fetches and verifies
    assert verify(client, ca.issue_card("hanako"))[0] == 200


def test_a_list_past_its_next_update_is_fetched_again_and_never_used_stale(client, resident, ca, server):
    crls.crl_refresh(server.url)
    server.status = 500
    with time_machine.travel(dt.timedelta(days=8)):  # the list said: next update within 7 days
        client.force_login(resident)
        status, body = verify(client, ca.issue_card("hanako"))
        assert (status, body["error"]) == (503, "verification_unavailable")
        server.status = 200
        server.body = ca.crl()
        assert verify(client, ca.issue_card("hanako"))[0] == 200


def test_the_command_fails_when_a_url_has_no_good_list(ca, server):
    server.status = 404
    with pytest.raises(CommandError, match="no good list"):
        call_command("refresh_jpki_crls")


def test_files_and_urls_together(client, resident, ca, server, settings, tmp_path):
    """A file for one CA and a URL for another: each card is checked against its own CA's list."""
    other = DemoCA.create(common_name="Second JPKI CA")
    other_card = other.issue_card("second")
    other.revoke(other_card)
    (tmp_path / "other.crl").write_bytes(other.crl())
    (tmp_path / "both.pem").write_bytes(ca.pem + other.pem)
    settings.TAKAMATSU_JPKI_TRUST_ANCHORS = str(tmp_path / "both.pem")
    settings.TAKAMATSU_JPKI_CRLS = [str(tmp_path / "other.crl"), server.url]
    assert verify(client, other_card)[1]["error"] == "certificate_revoked"
    assert verify(client, ca.issue_card("hanako"))[0] == 200

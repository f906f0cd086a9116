"""OpenID Connect verification against a real provider process (SPEC §3.2 route 2)."""

import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from apps.identity.models import IdentityVerification, VerificationAttempt

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def run_flow(client, keep: bool = True):
    """Browser steps without a browser: start here, consent at the provider, come back with the code."""
    response = client.post("/identity/oidc/start/", {"oidc-keep_basic_info": "on"} if keep else {})
    assert response.status_code == 302
    authorize_url = response["Location"]
    query = parse_qs(urlparse(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert set(query["scope"][0].split()) == {"openid", "name", "address", "birthdate", "gender"}
    assert query["nonce"][0] and query["state"][0]
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    approve = requests.post(
        authorize_url.split("/authorize")[0] + "/authorize/approve",
        data={k: unescape(v) for k, v in fields.items()},
        allow_redirects=False,
        timeout=10,
    )
    callback = urlparse(approve.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def resident(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_a_resident_verifies_with_the_digital_authentication_app(client, resident, oidc_provider):
    response = run_flow(client)
    assert response.status_code == 302 and response["Location"].endswith("/profile/")
    v = IdentityVerification.objects.get(user=resident)
    assert v.method == "oidc" and v.is_takamatsu_resident and v.basic_info_kept
    assert v.name == "瀬戸　花子" and str(v.birth_date) == "2001-04-05" and v.gender == "2"
    assert VerificationAttempt.objects.filter(user=resident, method="oidc", result="verified").exists()


@pytest.mark.parametrize("mode", ["bad_signature", "wrong_nonce", "wrong_audience", "expired"])
def test_a_bad_id_token_is_refused(client, resident, oidc_provider, mode):
    oidc_provider.control(mode=mode)
    response = run_flow(client)
    assert response.status_code == 302 and "/identity/verify/" in response["Location"]
    assert not IdentityVerification.objects.filter(user=resident).exists()
    assert VerificationAttempt.objects.filter(user=resident, result="oidc_token_invalid").exists()


def test_a_forged_state_is_refused(client, resident, oidc_provider):
    client.post("/identity/oidc/start/")
    response = client.get("/identity/oidc/callback/?code=abc&state=forged")
    assert response.status_code == 302
    assert not IdentityVerification.objects.filter(user=resident).exists()
    assert VerificationAttempt.objects.filter(user=resident, result="oidc_state_mismatch").exists()


def test_a_non_takamatsu_address_verifies_without_resident_status(client, resident, oidc_provider):
    oidc_provider.control(
        claims={"sub": "s-2", "name": "丸亀　一郎", "address": {"formatted": "香川県丸亀市大手町"},
                "birthdate": "1975-01-01", "gender": "male"}
    )  # fmt: skip
    run_flow(client, keep=False)
    v = IdentityVerification.objects.get(user=resident)
    assert not v.is_takamatsu_resident and not v.basic_info_kept and v.name == ""


def test_without_configuration_the_route_is_not_offered(client, resident):
    html = client.get("/identity/verify/").content.decode()
    assert "/identity/oidc/start/" not in html
    response = client.post("/identity/oidc/start/")
    assert response.status_code == 302 and "/identity/verify/" in response["Location"]


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/identity/verify/")["Location"].startswith("/accounts/login/")
    assert client.post("/identity/oidc/start/")["Location"].startswith("/accounts/login/")

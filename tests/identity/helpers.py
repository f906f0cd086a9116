import time

from allauth.mfa.totp.internal.auth import hotp_value

from apps.demo.services import DEMO_PASSWORD, DEMO_TOTP_SECRET

TOTP_PERIOD = 30
# A code typed in the last seconds of its window may reach the server in the next one (allauth's
# tolerance is 0 windows): wait for a fresh window instead of failing at random.
TOTP_SAFETY_SECONDS = 4


def totp_now(secret: str = DEMO_TOTP_SECRET, offset: int = 0) -> str:
    now = time.time()
    left = TOTP_PERIOD - (now % TOTP_PERIOD)
    if left < TOTP_SAFETY_SECONDS:
        time.sleep(left + 0.05)
        now = time.time()
    return f"{hotp_value(secret, int(now) // TOTP_PERIOD + offset):06d}"


def log_in_with_second_factor(client, email: str) -> None:
    """The real allauth flow: password, then the TOTP code of the demo secret."""
    response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
    assert "/accounts/2fa/authenticate/" in response["Location"], response["Location"]
    response = client.post(response["Location"], {"code": totp_now()})
    assert response.status_code == 302, response.content[:500]

"""Benchmark: the clerk's scan-to-form page (the desk) against the bare view, on one gunicorn server.

Same machine, same server, same load, one run (SPEC §5): PostgreSQL and Redis as in production, the
demo accounts, a resident's counter request, and a clerk signed in with password and TOTP who has
scanned the code. wrk then requests the desk page (every request writes its audit entry) and the bare
view /healthz in alternating rounds, and the script prints each page's throughput as a ratio to the bare
view. Run: .venv/bin/python bench/counter_desk.py (needs wrk: apt-get install wrk).
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import statistics
import subprocess  # noqa: S404 - the benchmark drives manage.py, gunicorn and wrk
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalogue_pages as cp  # noqa: E402 - reuse database, server and environment helpers

ROUNDS, SECONDS, CONNECTIONS = 3, 4, 8
SEED = """
import base64, django; django.setup()
from apps.demo.services import demo_accounts_load
from apps.counter.forms import FORMS
from apps.counter.services import counter_request_create
from apps.identity.models import User
demo_accounts_load()
data = {"requester_name": "高松　太郎", "requester_address": "香川県高松市番町一丁目8番15号",
        "requester_birth_date": "1980-02-17", "relationship": "self", "subject_name": "高松　太郎",
        "subject_address": "香川県高松市番町一丁目8番15号", "purpose": "employment",
        "recipient": "株式会社さぬき", "copies_juminhyo_all": "1"}
form = FORMS["juminhyo"](data); assert form.is_valid(), form.errors
resident = User.objects.get(email="resident@example.jp")
created = counter_request_create(user=resident, form="juminhyo", cleaned=form.cleaned_data)
print("CODE", created.short_code)
"""


class Browser:
    """Just enough of a browser: cookies (Secure ones too, this is loopback) and the CSRF token."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1"}
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), response.read().decode(errors="replace")


def totp(secret: str) -> str:
    """RFC 6238 with the defaults allauth uses (SHA-1, 30 s, 6 digits)."""
    import base64
    import hashlib
    import hmac
    import struct

    digest = hmac.new(
        base64.b32decode(secret), struct.pack(">Q", int(time.time()) // 30), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def wrk(base: str, path: str, cookie: str) -> float:
    out = subprocess.run(  # noqa: S603
        [shutil.which("wrk"), "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s",
         "-H", f"Cookie: {cookie}", base + path],
        capture_output=True, text=True, timeout=SECONDS + 60, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out:
        raise SystemExit(f"[bench] {path} answered errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> int:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    env = cp.server_env()
    cp.step("database and demo data")
    cp.database_recreate(create=True)
    cp.redis_flush()
    cp.run([sys.executable, "manage.py", "migrate", "--noinput"], env, "migrate")
    cp.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env, "collectstatic")
    code = re.search(r"CODE (\w+)", cp.run([sys.executable, "-c", SEED], env, "seed")).group(1)
    port = cp.free_port()
    base = f"http://127.0.0.1:{port}"
    with open(cp.RESULTS_DIR / "counter_desk.gunicorn.log", "w") as log:
        server = cp.server_start(env, port, log)
        try:
            cp.server_wait(server, base)
            cp.step("clerk signs in with password and TOTP, scans the code")
            b = Browser(port)
            b.request("GET", "/accounts/login/")
            status, headers, _ = b.request(
                "POST", "/accounts/login/", {"login": "staff@example.jp", "password": "takamatsu-demo"}
            )
            b.request("GET", headers["Location"])
            status, headers, _ = b.request("POST", headers["Location"], {"code": totp("JBSWY3DPEHPK3PXP")})
            status, headers, body = b.request("POST", "/staff/counter/", {"code": code})
            desk = headers.get("Location", "")
            if status != 302 or "/staff/counter/requests/" not in desk:
                raise SystemExit(f"[bench] scanning failed: {status} {desk} {body[:300]}")
            cookie = "; ".join(f"{k}={v}" for k, v in b.cookies.items())
            status, _, body = b.request("GET", desk)
            assert status == 200 and "高松" in body, status
            rates: dict[str, list[float]] = {"bare": [], "desk": []}
            for r in range(ROUNDS):
                order = [("bare", "/healthz"), ("desk", desk)]
                for key, path in order if r % 2 == 0 else reversed(order):
                    wrk(base, path, cookie)  # warm-up
                    rates[key].append(wrk(base, path, cookie))
        finally:
            cp.server_stop(server)
    cp.database_recreate(create=False)
    bare, desk_rps = statistics.median(rates["bare"]), statistics.median(rates["desk"])
    print(f"{'page':<34}{'req/s':>10}{'x bare':>10}")
    print(f"{'bare view /healthz':<34}{bare:>10.1f}{1.0:>10.2f}")
    print(f"{'desk page (scan-to-form)':<34}{desk_rps:>10.1f}{desk_rps / bare:>10.2f}")
    (cp.RESULTS_DIR / "counter_desk.json").write_text(
        json.dumps({"bare_rps": rates["bare"], "desk_rps": rates["desk"]})
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

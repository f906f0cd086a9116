"""Benchmark: the payment endpoint against the same transfer done as plain SQL, same PostgreSQL, one run.

SPEC §5 / issue 6: throughput of POST /api/v1/wallet/payments (gunicorn, production settings, sessions and
CSRF as a phone sends them) relative to the bare transfer — insert a transaction, two entries, two guarded
balance updates, commit — issued through psycopg by as many concurrent connections as wrk uses. Twice:
payments spread over 50 merchants, and every payment to one busy merchant (one hot row). Target: ≥ 0.25.
Run: .venv/bin/python bench/wallet_payments.py (needs PostgreSQL, Redis and wrk).
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import statistics
import subprocess  # noqa: S404 - the benchmark drives manage.py, gunicorn and wrk
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalogue_pages as cp  # noqa: E402 - database, server and environment helpers

CONNECTIONS, SECONDS, ROUNDS = 8, 4, 3
RESIDENTS, MERCHANTS = 200, 50
SESSIONS_FILE = cp.RESULTS_DIR / "wallet_sessions.txt"
LUA = cp.BENCH / "wallet_payments.lua"
SQL_DSN = "postgresql://postgres@127.0.0.1:5432/" + cp.DB_NAME
SEED = f"""
import django; django.setup()
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cached_db import SessionStore
from apps.wallet.models import Merchant
from apps.wallet.services import merchant_account, points_award
User = get_user_model()
owner = User.objects.create_user(email="bench-shop@example.jp", password="x" * 12)
for i in range({MERCHANTS}):
    merchant_account(merchant=Merchant.objects.create(code=f"shop-{{i:03d}}", name=f"Shop {{i}}", owner=owner))
keys = []
for i in range({RESIDENTS}):
    user = User.objects.create_user(email=f"bench-{{i}}@example.jp", password="x" * 12)
    points_award(user=user, amount=1_000_000, idempotency_key=f"bench-award-{{i:04d}}")
    s = SessionStore()
    s["_auth_user_id"] = str(user.pk)
    s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    s["_auth_user_hash"] = user.get_session_auth_hash()
    s.create()
    keys.append(s.session_key)
open("{SESSIONS_FILE}", "w").write("\\n".join(keys))
"""


def sql_worker(args) -> int:
    """The same transfer as the endpoint's ledger write, as bare SQL in one transaction per payment."""
    merchant_accounts, resident_accounts, deadline, index = args
    import psycopg

    done = 0
    with psycopg.connect(SQL_DSN) as conn:
        while time.time() < deadline:
            payer = resident_accounts[(done + index * 7) % len(resident_accounts)]
            payee = merchant_accounts[(done + index) % len(merchant_accounts)]
            with conn.transaction():
                tx = uuid.uuid4()
                conn.execute(
                    "INSERT INTO wallet_transaction (id, kind, idempotency_key, request_hash, created_at)"
                    " VALUES (%s, 'payment', %s, '', now())",
                    (tx, f"sql-{index}-{done}-{tx.hex[:8]}"),
                )
                conn.execute(
                    "INSERT INTO wallet_entry (transaction_id, account_id, amount, created_at)"
                    " VALUES (%s, %s, -1, now()), (%s, %s, 1, now())",
                    (tx, payer, tx, payee),
                )
                for account, amount in sorted([(payer, -1), (payee, 1)]):
                    conn.execute("UPDATE wallet_account SET balance = balance + %s WHERE id = %s", (amount, account))
            done += 1
    return done


def sql_rate(merchant_accounts: list[int], resident_accounts: list[int]) -> float:
    deadline = time.time() + SECONDS
    with multiprocessing.Pool(CONNECTIONS) as pool:
        counts = pool.map(sql_worker, [(merchant_accounts, resident_accounts, deadline, i) for i in range(CONNECTIONS)])
    return sum(counts) / SECONDS


def http_rate(base: str, merchants: list[str]) -> float:
    out = subprocess.run(  # noqa: S603
        [shutil.which("wrk"), "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s", str(LUA), base, "--",
         str(SESSIONS_FILE), ",".join(merchants), uuid.uuid4().hex[:12]],
        capture_output=True, text=True, timeout=SECONDS + 60, check=True,
    ).stdout  # fmt: skip
    raw = json.loads(next(ln for ln in out.splitlines() if ln.startswith("WRKJSON "))[8:])
    if raw["non2xx"]:
        raise SystemExit(f"[bench] {raw['non2xx']} payments failed:\n{out}")
    return raw["requests"] / (raw["duration_us"] / 1e6)


def main() -> int:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    env = cp.server_env()
    cp.step("database, 200 residents with points, 50 merchants")
    cp.database_recreate(create=True)
    cp.redis_flush()
    cp.run([sys.executable, "manage.py", "migrate", "--noinput"], env, "migrate")
    cp.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env, "collectstatic")
    cp.run([sys.executable, "-c", SEED], env, "seed")
    import psycopg

    with psycopg.connect(SQL_DSN) as conn:
        merchant_accounts = [r[0] for r in conn.execute("SELECT id FROM wallet_account WHERE kind='merchant' ORDER BY id")]
        resident_accounts = [r[0] for r in conn.execute("SELECT id FROM wallet_account WHERE kind='resident' ORDER BY id")]
    codes = [f"shop-{i:03d}" for i in range(MERCHANTS)]
    port = cp.free_port()
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[float]] = {k: [] for k in ("http_spread", "sql_spread", "http_busy", "sql_busy")}
    with open(cp.RESULTS_DIR / "wallet_payments.gunicorn.log", "w") as log:
        server = cp.server_start(env, port, log)
        try:
            cp.server_wait(server, base)
            http_rate(base, codes)  # warm-up
            for r in range(ROUNDS):
                cp.step(f"round {r + 1}/{ROUNDS}")
                results["http_spread"].append(http_rate(base, codes))
                results["sql_spread"].append(sql_rate(merchant_accounts, resident_accounts))
                results["http_busy"].append(http_rate(base, codes[:1]))
                results["sql_busy"].append(sql_rate(merchant_accounts[:1], resident_accounts))
        finally:
            cp.server_stop(server)
    with psycopg.connect(SQL_DSN) as conn:
        bad = conn.execute(
            "SELECT count(*) FROM (SELECT transaction_id FROM wallet_entry GROUP BY 1 HAVING sum(amount) <> 0) t"
        ).fetchone()[0]
    cp.database_recreate(create=False)
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"{'scenario':<44}{'payments/s':>12}{'ratio':>8}")
    for label, http, sql in (("spread over 50 merchants", "http_spread", "sql_spread"), ("one busy merchant", "http_busy", "sql_busy")):
        print(f"{'endpoint, ' + label:<44}{med[http]:>12.1f}{med[http] / med[sql]:>8.2f}")
        print(f"{'plain SQL (psycopg), ' + label:<44}{med[sql]:>12.1f}{1.0:>8.2f}")
    ok = min(med["http_spread"] / med["sql_spread"], med["http_busy"] / med["sql_busy"]) >= 0.25
    print(f"unbalanced transactions after the run: {bad}")
    print(f"TARGET endpoint >= 0.25 x plain SQL at {CONNECTIONS} connections: {'HOLDS' if ok else 'DOES NOT HOLD'}")
    (cp.RESULTS_DIR / "wallet_payments.json").write_text(json.dumps({"rounds": results, "medians": med}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

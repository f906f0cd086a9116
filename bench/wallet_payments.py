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
import os
import shutil
import statistics
import subprocess  # noqa: S404 - the benchmark drives manage.py, gunicorn and wrk
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import catalogue_pages as cp  # noqa: E402 - database, server and environment helpers

# Its own database and Redis db (override with the environment), so it can run beside the other benchmarks.
cp.DB_NAME = os.environ.get("WALLET_BENCH_DB", "takamatsu_bench_wallet")
cp.DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{cp.DB_NAME}"
cp.REDIS_URL = os.environ.get("WALLET_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

CONNECTIONS, SECONDS, ROUNDS, TARGET = 8, 4, 3, 0.25
SIDES = ("http", "statements", "function")
RESIDENTS, MERCHANTS = 200, 50
SESSIONS_FILE = cp.RESULTS_DIR / f"wallet_sessions.{cp.DB_NAME}.txt"
LUA = cp.BENCH / "wallet_payments.lua"
SQL_DSN = "postgresql://postgres@127.0.0.1:5432/" + cp.DB_NAME
SEED = f"""
import datetime as dt
import django; django.setup()
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cached_db import SessionStore
from apps.wallet.models import Merchant
from apps.wallet.services import lot_expiry, merchant_account, points_award
User = get_user_model()
owner = User.objects.create_user(email="bench-shop@example.jp", password=None)
for i in range({MERCHANTS}):
    shop = Merchant.objects.create(code=f"shop-{{i:03d}}", name=f"Shop {{i}}", owner=owner)
    merchant_account(merchant=shop)
keys = []
for i in range({RESIDENTS}):
    user = User.objects.create_user(email=f"bench-{{i}}@example.jp", password=None)
    # Three lots each: a payment takes from the one closest to expiry.
    for n, days in enumerate((30, 90, 180)):
        key, expires_at = f"bench-award-{{i:04d}}-{{n}}", lot_expiry(days=days)
        points_award(user=user, amount=400_000, idempotency_key=key, expires_at=expires_at)
    s = SessionStore()
    s["_auth_user_id"] = str(user.pk)
    s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    s["_auth_user_hash"] = user.get_session_auth_hash()
    s.create()
    keys.append(s.session_key)
open("{SESSIONS_FILE}", "w").write("\\n".join(keys))
"""

# The plain-SQL transfer: what the endpoint writes, statement by statement in one transaction, in the lock
# order the ledger uses (resident first, merchant last). The lots closest to expiry are taken by one
# statement (the shortest plain-SQL form of "select the lots, update each, record the uses").
SQL_STATEMENTS = (
    (
        "INSERT INTO wallet_transaction (id, kind, idempotency_key, request_hash, created_at)"
        " VALUES (%(tx)s, 'payment', %(key)s, '', now())"
    ),
    "UPDATE wallet_account SET balance = balance - %(amount)s WHERE id = %(payer)s",
    """
    WITH open AS (
      SELECT id, remaining, (SUM(remaining) OVER (ORDER BY expires_at, id))::bigint AS upto FROM wallet_lot
       WHERE account_id = %(payer)s AND remaining > 0 AND expires_at > now()
    ), take AS (
      SELECT id, LEAST(remaining, %(amount)s - (upto - remaining)) AS amount FROM open
       WHERE upto - remaining < %(amount)s
    ), moved AS (
      UPDATE wallet_lot l SET remaining = l.remaining - t.amount FROM take t WHERE l.id = t.id
      RETURNING l.id, t.amount
    )
    INSERT INTO wallet_lotuse (transaction_id, lot_id, amount) SELECT %(tx)s, id, amount FROM moved
    """,
    (
        "INSERT INTO wallet_entry (transaction_id, account_id, amount, created_at)"
        " VALUES (%(tx)s, %(payer)s, -%(amount)s, now()), (%(tx)s, %(payee)s, %(amount)s, now())"
    ),
    "UPDATE wallet_account SET balance = balance + %(amount)s WHERE id = %(payee)s",
)
# The same payment as one call of the endpoint's own database function (migration 0005): the floor.
SQL_FUNCTION = "SELECT status FROM wallet_pay(%(tx)s, %(key)s, '', %(owner)s, %(code)s, %(amount)s, now())"


CHECK_NAMES = ("unbalanced transactions", "cached balances off", "negative holders", "lots off balances")
CHECKS = """
SELECT
  (SELECT count(*) FROM (SELECT transaction_id FROM wallet_entry GROUP BY 1 HAVING sum(amount) <> 0) t),
  (SELECT count(*) FROM wallet_account a
    WHERE a.balance <> COALESCE((SELECT sum(amount) FROM wallet_entry e WHERE e.account_id = a.id), 0)),
  (SELECT count(*) FROM wallet_account WHERE kind IN ('resident', 'merchant') AND balance < 0),
  (SELECT count(*) FROM wallet_account a WHERE a.kind = 'resident'
    AND a.balance <> COALESCE((SELECT sum(remaining) FROM wallet_lot l WHERE l.account_id = a.id), 0))
"""


def sql_worker(args) -> int:
    """Payments of 1 point as bare SQL, one database transaction each, until the deadline."""
    mode, merchants, residents, deadline, index = args
    import psycopg

    done = 0
    with psycopg.connect(SQL_DSN, autocommit=True) as conn:
        while time.time() < deadline:
            owner, payer = residents[(done + index * 7) % len(residents)]
            code, payee = merchants[(done + index) % len(merchants)]
            tx = uuid.uuid4()
            params = {"tx": tx, "key": f"sql-{tx.hex}", "amount": 1, "payer": payer, "payee": payee,
                      "owner": owner, "code": code}  # fmt: skip
            if mode == "function":
                if conn.execute(SQL_FUNCTION, params).fetchone()[0] != "paid":
                    raise SystemExit("wallet_pay did not pay")
            else:
                with conn.transaction():
                    for statement in SQL_STATEMENTS:
                        conn.execute(statement, params)
            done += 1
    return done


def sql_rate(mode: str, merchants: list[tuple[str, int]], residents: list[tuple[int, int]]) -> float:
    deadline = time.time() + SECONDS
    with multiprocessing.Pool(CONNECTIONS) as pool:
        counts = pool.map(sql_worker, [(mode, merchants, residents, deadline, i) for i in range(CONNECTIONS)])
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
    if not (cp.ROOT / "staticfiles" / "staticfiles.json").exists():  # the API renders no page: any manifest
        cp.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env, "collectstatic")
    cp.run([sys.executable, "-c", SEED], env, "seed")
    import psycopg

    with psycopg.connect(SQL_DSN) as conn:
        merchants = conn.execute(
            "SELECT m.code, a.id FROM wallet_merchant m JOIN wallet_account a ON a.merchant_id = m.id"
            " ORDER BY m.code"
        ).fetchall()
        residents = conn.execute(
            "SELECT owner_id, id FROM wallet_account WHERE kind = 'resident' ORDER BY id"
        ).fetchall()
    codes = [code for code, _ in merchants]
    port = cp.free_port()
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[float]] = {f"{side}_{case}": [] for side in SIDES for case in ("spread", "busy")}
    with open(cp.RESULTS_DIR / "wallet_payments.gunicorn.log", "w") as log:
        server = cp.server_start(env, port, log)
        try:
            cp.server_wait(server, base)
            http_rate(base, codes)  # warm-up
            sql_rate("statements", merchants, residents)
            for r in range(ROUNDS):
                cp.step(f"round {r + 1}/{ROUNDS}")
                for case, shops in (("spread", merchants), ("busy", merchants[:1])):
                    # Each round starts with another side, so a disturbance does not always hit the same one.
                    for side in SIDES[r % 3 :] + SIDES[: r % 3]:
                        if side == "http":
                            rate = http_rate(base, [code for code, _ in shops])
                        else:
                            rate = sql_rate(side, shops, residents)
                        results[f"{side}_{case}"].append(rate)
        finally:
            cp.server_stop(server)
    with psycopg.connect(SQL_DSN) as conn:
        problems = conn.execute(CHECKS).fetchone()
    cp.database_recreate(create=False)
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"{'scenario':<58}{'payments/s':>12}{'endpoint ratio':>16}")
    ratios = {}
    for case, label in (("spread", "spread over 50 merchants"), ("busy", "one busy merchant")):
        print(f"{'endpoint (HTTP), ' + label:<58}{med['http_' + case]:>12.1f}")
        for side, what in (("statements", "plain SQL statements"), ("function", "one wallet_pay() call")):
            ratios[f"{side}_{case}"] = med["http_" + case] / med[f"{side}_{case}"]
            print(f"{what + ' (psycopg), ' + label:<58}{med[f'{side}_{case}']:>12.1f}"
                  f"{ratios[f'{side}_{case}']:>16.2f}")  # fmt: skip
    print(f"ledger after the run: {dict(zip(CHECK_NAMES, problems, strict=True))} (all must be 0)")
    ok = min(ratios["statements_spread"], ratios["statements_busy"]) >= TARGET
    verdict = "HOLDS" if ok else "DOES NOT HOLD"
    print(f"TARGET endpoint >= {TARGET} x plain SQL statements at {CONNECTIONS} connections: {verdict}")
    floor = min(ratios["function_spread"], ratios["function_busy"])
    print(f"  (against one wallet_pay() call per payment, the least work PostgreSQL can do: {floor:.2f})")
    (cp.RESULTS_DIR / "wallet_payments.json").write_text(
        json.dumps({"rounds": results, "medians": med, "ratios": ratios, "ledger_problems": problems})
    )
    return 0 if ok and not any(problems) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Configuration from the environment holds in every settings module; the embedded default waits for
SQLite's write lock instead of failing (issue 15, low)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, *, settings: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environment.update({"DJANGO_SETTINGS_MODULE": settings, **env})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("module", ["takamatsu.settings.dev", "takamatsu.settings.test", "takamatsu.settings.prod"])
def test_jpki_trust_configured_in_the_environment_holds_in_every_settings_module(module, tmp_path):
    anchors, crl = str(tmp_path / "jlis-ca.pem"), "https://crl.example.jp/jlis.crl"
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps([settings.TAKAMATSU_JPKI_TRUST_ANCHORS, settings.TAKAMATSU_JPKI_CRLS]))"
    )
    env = {"TAKAMATSU_JPKI_TRUST_ANCHORS": anchors, "TAKAMATSU_JPKI_CRLS": crl}
    if module.endswith("prod"):
        env.update({"DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "portal.example.jp",
                    "DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "REDIS_URL": "redis://127.0.0.1:6379/0"})  # fmt: skip
    done = run_python(code, settings=module, env=env)
    assert done.returncode == 0, done.stderr
    configured_anchors, configured_crls = json.loads(done.stdout.strip().splitlines()[-1])
    assert configured_anchors.split(",")[0] == anchors
    assert configured_crls[0] == crl


PARALLEL_WRITERS = """
import threading, time, django
django.setup()
from django.db import connection, connections, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS t (n integer)")
errors = []

def writer(i):
    try:
        for _ in range(5):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM t")  # read first, then write: the lock upgrade
                    time.sleep(0.02)
                    cursor.execute("INSERT INTO t VALUES (%s)", [i])
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connections.close_all()

threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
[t.start() for t in threads]
[t.join() for t in threads]
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM t")
    print(errors[:1], cursor.fetchone()[0])
"""


def test_parallel_writers_on_the_embedded_default_wait_for_the_lock(tmp_path):
    done = run_python(
        PARALLEL_WRITERS,
        settings="takamatsu.settings.dev",
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[] 30"

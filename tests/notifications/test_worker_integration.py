"""A real Celery worker (with beat) on a Redis of the test's own, PostgreSQL and a real SMTP server.

Proves SPEC §5 reliability for notifications: exactly once, also when the worker is SIGKILLed in the
middle of a delivery, and nothing lost when Redis restarts (no persistence: its queue is gone).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from apps.notifications import services
from apps.notifications.constants import DeliveryStatus
from apps.notifications.models import Delivery
from takamatsu.celery import app as celery_app
from tests.conftest import missing
from tests.identity.factories import UserFactory
from tests.peers.fixtures import free_port
from tests.peers.smtp import start_smtp_sink

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True)]


class Redis:
    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: _ping(self.port), "redis to start")

    def kill(self) -> None:
        if self.process:
            self.process.kill()
            self.process.wait(10)


def _ping(port: int) -> bool:
    import redis

    try:
        return redis.Redis(port=port, socket_timeout=0.5).ping()
    except redis.RedisError:
        return False


def wait_for(condition, what: str, timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class Worker:
    def __init__(self, env: dict, tmp: Path):
        self.env, self.tmp, self.process = env, tmp, None

    def start(self) -> None:
        log = open(self.tmp / "worker.log", "ab")  # noqa: SIM115 - kept open for the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "takamatsu", "worker", "-B", "--concurrency=1",
             "--loglevel=INFO", "-s", str(self.tmp / "beat-schedule")],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def stack(postgres, tmp_path, settings):
    if not shutil.which("redis-server"):
        missing("redis-server")
    redis_port, smtp_port = free_port(), free_port()
    redis = Redis(redis_port)
    redis.start()
    sink, controller = start_smtp_sink(smtp_port)
    db = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "takamatsu.settings.test",
        "TAKAMATSU_CELERY_EAGER": "false",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "TAKAMATSU_STUCK_AFTER_SECONDS": "3",
        "TAKAMATSU_DISPATCH_SECONDS": "1",
        "TAKAMATSU_SWEEP_SECONDS": "1",
        "TAKAMATSU_DELIVERY_BACKOFF_SECONDS": "1",
    }
    worker = Worker(env, tmp_path)
    # This process sends to the same broker, as a web process of the full stack does.
    previous = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = env["REDIS_URL"]
    celery_app.pool.force_close_all()
    try:
        worker.start()
        yield {"sink": sink, "worker": worker, "redis": redis, "log": tmp_path / "worker.log"}
    finally:
        worker.stop()
        controller.stop()
        redis.kill()
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous
        celery_app.pool.force_close_all()


def email_delivery(notification) -> Delivery:
    return notification.deliveries.get(channel="email")


def test_a_notification_arrives_exactly_once(stack):
    user = UserFactory(email="once@example.jp")
    n = services.notify(recipient=user, event="identity.verified", context={"resident": True})
    wait_for(lambda: stack["sink"].messages_to("once@example.jp"), "the e-mail")
    time.sleep(3)  # a duplicate would arrive within the dispatcher's and sweeper's periods
    assert len(stack["sink"].messages_to("once@example.jp")) == 1
    assert email_delivery(n).status == DeliveryStatus.SENT


def test_a_worker_killed_mid_delivery_still_delivers_exactly_once(stack):
    sink, worker = stack["sink"], stack["worker"]
    sink.rcpt_delay = 8  # the worker will be talking to the SMTP server when it dies
    user = UserFactory(email="killed@example.jp")
    n = services.notify(recipient=user, event="identity.verified", context={"resident": True})
    wait_for(lambda: email_delivery(n).status == DeliveryStatus.SENDING, "the worker to claim the delivery")
    time.sleep(1)  # now inside the SMTP conversation
    worker.kill()
    assert not sink.messages_to("killed@example.jp")
    sink.rcpt_delay = 0
    worker.start()
    wait_for(lambda: sink.messages_to("killed@example.jp"), "the e-mail after the restart")
    time.sleep(4)
    assert len(sink.messages_to("killed@example.jp")) == 1
    d = email_delivery(n)
    assert d.status == DeliveryStatus.SENT and d.attempts == 2


def test_nothing_is_lost_when_redis_restarts(stack):
    sink, redis = stack["sink"], stack["redis"]
    sink.rcpt_delay = 0.5
    users = [UserFactory(email=f"r{i}@example.jp") for i in range(6)]
    for u in users[:3]:
        services.notify(recipient=u, event="identity.verified", context={"resident": True})
    wait_for(lambda: sink.messages_to("r0@example.jp"), "the first e-mail")
    redis.kill()  # the queue in Redis is gone (no persistence)
    for u in users[3:]:
        services.notify(recipient=u, event="identity.verified", context={"resident": True})  # broker down
    time.sleep(2)
    redis.start()
    for u in users:
        wait_for(lambda u=u: sink.messages_to(u.email), f"the e-mail to {u.email}", timeout=90)
    time.sleep(3)
    assert [len(sink.messages_to(u.email)) for u in users] == [1] * 6
    assert Delivery.objects.filter(channel="email", status=DeliveryStatus.SENT).count() == 6

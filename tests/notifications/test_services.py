import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from apps.notifications import services
from apps.notifications.constants import Channel, DeliveryStatus
from apps.notifications.models import Delivery, Notification
from apps.notifications.registry import register_event
from apps.notifications.tasks import deliver
from tests.identity.factories import UserFactory
from tests.peers.webhook import WebhookReceiver

pytestmark = pytest.mark.django_db

register_event("test.hello", template="test_hello")
register_event("test.no_template", template="does_not_exist")


@pytest.fixture(autouse=True)
def hello_templates(settings, tmp_path):
    folder = tmp_path / "emails"
    folder.mkdir()
    (folder / "test_hello-subject.txt").write_text("{% load i18n %}{% translate 'お知らせ' %} {{ n }}")
    (folder / "test_hello-body.txt").write_text("本文 {{ n }}")
    (folder / "test_hello-body.html").write_text("<p>本文 {{ n }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]


@pytest.fixture
def webhook(settings):
    with WebhookReceiver(secret="gateway-secret") as receiver:
        settings.TAKAMATSU_WEBHOOK = {"URL": receiver.url, "SECRET": "gateway-secret", "TIMEOUT": 2}
        yield receiver


def deliveries(n: Notification) -> dict[str, Delivery]:
    return {d.channel: d for d in n.deliveries.all()}


def test_a_notification_reaches_the_inbox_and_the_email_once(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(recipient=user, event="test.hello", context={"n": 7})
    d = deliveries(n)
    assert d["inbox"].status == DeliveryStatus.SENT
    assert d["email"].status == DeliveryStatus.SENT
    assert d["webhook"].status == DeliveryStatus.SKIPPED  # not wanted: no messaging id
    assert (
        len(mail.outbox) == 1
        and mail.outbox[0].subject == "[たかまつデジタル市役所] お知らせ 7"
        and mail.outbox[0].to == [user.email]
    )
    assert "本文 7" in mail.outbox[0].alternatives[0][0]
    assert deliver(str(d["email"].pk)) == "not-due-or-taken"  # the task run twice: one e-mail
    assert len(mail.outbox) == 1


def test_the_email_is_written_in_the_recipients_language(django_capture_on_commit_callbacks):
    user = UserFactory(preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient=user, event="identity.verified", context={"resident": True})
    assert (
        "identity verification" in mail.outbox[0].subject.lower() or "verif" in mail.outbox[0].subject.lower()
    )


def test_a_person_who_turned_email_off_gets_only_the_inbox(django_capture_on_commit_callbacks):
    user = UserFactory()
    services.channel_preference_set(user=user, channel=Channel.EMAIL, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(recipient=user, event="test.hello", context={"n": 1})
    assert deliveries(n)["email"].status == DeliveryStatus.SKIPPED and not mail.outbox


def test_the_webhook_is_signed_so_the_receiver_can_verify_it(webhook, django_capture_on_commit_callbacks):
    user = UserFactory()
    services.channel_preference_set(user=user, channel=Channel.WEBHOOK, enabled=True, address="line-user-123")
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(recipient=user, event="test.hello", context={"n": 2})
    assert deliveries(n)["webhook"].status == DeliveryStatus.SENT
    call = webhook.calls[0]
    assert (
        call["valid_signature"]
        and call["body"]["to"] == "line-user-123"
        and call["body"]["title"] == "お知らせ 2"
    )


def test_a_webhook_answering_500_is_retried_with_growing_backoff(
    webhook, settings, django_capture_on_commit_callbacks
):
    webhook.answers = [500, 503]
    user = UserFactory()
    services.channel_preference_set(user=user, channel=Channel.WEBHOOK, enabled=True, address="line-user-9")
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(recipient=user, event="test.hello", context={"n": 3})
    hook = deliveries(n)["webhook"]
    assert hook.status == DeliveryStatus.QUEUED and hook.attempts == 1
    first_wait = hook.next_attempt_at - hook.claimed_at
    assert services.delivery_attempt(pk=str(hook.pk)) == "not-due-or-taken"  # not before its time
    with time_machine.travel(hook.next_attempt_at + dt.timedelta(seconds=1), tick=False):
        assert services.deliveries_dispatch_due() == 1  # the dispatcher re-enqueues it (eager: runs now)
    hook.refresh_from_db()
    assert hook.status == DeliveryStatus.QUEUED and hook.attempts == 2
    assert hook.next_attempt_at - hook.claimed_at == 2 * first_wait
    with time_machine.travel(hook.next_attempt_at + dt.timedelta(seconds=1), tick=False):
        services.deliveries_dispatch_due()
    hook.refresh_from_db()
    assert hook.status == DeliveryStatus.SENT and [c["status"] for c in webhook.calls] == [500, 503, 200]


def test_a_webhook_answering_4xx_fails_without_retries(webhook, django_capture_on_commit_callbacks):
    webhook.answers = [410]
    user = UserFactory()
    services.channel_preference_set(user=user, channel=Channel.WEBHOOK, enabled=True, address="gone")
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(recipient=user, event="test.hello", context={"n": 4})
    hook = deliveries(n)["webhook"]
    assert hook.status == DeliveryStatus.FAILED and "410" in hook.last_error and hook.attempts == 1
    assert len(webhook.calls) == 1


def test_retries_stop_after_the_maximum(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: connection refused
    settings.TAKAMATSU_DELIVERY_MAX_ATTEMPTS = 3
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(recipient=user, event="test.hello", context={"n": 5})
    email = deliveries(n)["email"]
    for _ in range(5):
        email.refresh_from_db()
        if email.status != DeliveryStatus.QUEUED:
            break
        with time_machine.travel(email.next_attempt_at + dt.timedelta(seconds=1), tick=False):
            services.deliveries_dispatch_due()
    email.refresh_from_db()
    assert email.status == DeliveryStatus.FAILED and email.attempts == 3 and "gave up" in email.last_error


def test_an_unknown_event_or_missing_template_is_a_recorded_failure(django_capture_on_commit_callbacks):
    user = UserFactory()
    n = services.notify(recipient=user, event="no.such.event", context={})
    assert (
        n.deliveries.get().status == DeliveryStatus.FAILED
        and "no.such.event" in n.deliveries.get().last_error
    )
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify(recipient=user, event="test.no_template", context={})
    email = deliveries(n)["email"]
    assert email.status == DeliveryStatus.FAILED and "does_not_exist" in email.last_error


def test_an_undeliverable_address_is_a_permanent_failure(settings, django_capture_on_commit_callbacks):
    from tests.peers.fixtures import free_port
    from tests.peers.smtp import start_smtp_sink

    port = free_port()
    sink, controller = start_smtp_sink(port)
    sink.refuse.add("nobody@example.jp")
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        user = UserFactory(email="nobody@example.jp")
        with django_capture_on_commit_callbacks(execute=True):
            n = services.notify(recipient=user, event="test.hello", context={"n": 6})
    finally:
        controller.stop()
    email = deliveries(n)["email"]
    assert email.status == DeliveryStatus.FAILED and "550" in email.last_error and email.attempts == 1


def test_a_delivery_stuck_in_flight_is_swept_back_and_sent_once(settings, django_capture_on_commit_callbacks):
    user = UserFactory()
    n = services.notify(recipient=user, event="test.hello", context={"n": 8})  # not committed: not sent
    email = deliveries(n)["email"]
    Delivery.objects.filter(pk=email.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=email.next_attempt_at
    )
    assert services.deliveries_sweep_stuck() == 0  # too recent to call lost
    with time_machine.travel(
        email.next_attempt_at + dt.timedelta(seconds=settings.TAKAMATSU_STUCK_AFTER_SECONDS + 1)
    ):
        assert services.deliveries_sweep_stuck() == 1
        services.deliveries_dispatch_due()
        services.deliveries_dispatch_due()
    email.refresh_from_db()
    assert email.status == DeliveryStatus.SENT and len(mail.outbox) == 1


def test_a_dated_reminder_is_created_once():
    user = UserFactory()
    assert services.notify(recipient=user, event="test.hello", context={"n": 1}, dedupe_key="2026-12-01")
    assert (
        services.notify(recipient=user, event="test.hello", context={"n": 1}, dedupe_key="2026-12-01") is None
    )
    assert Notification.objects.filter(recipient=user).count() == 1


def test_account_mails_pass_through_the_outbox_and_drop_their_links_after_sending(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        n = services.notify_rendered_email(
            recipient=user, address=user.email, event="account.password_reset_key", subject="s", text="link"
        )
    n.refresh_from_db()
    assert len(mail.outbox) == 1 and n.rendered == {}


def test_notifications_past_the_retention_are_purged_with_their_deliveries_unless_still_in_delivery(
    settings, django_capture_on_commit_callbacks
):
    settings.TAKAMATSU_NOTIFICATION_RETENTION_DAYS = 365
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        sent = [services.notify(recipient=user, event="test.hello", context={"n": n}) for n in range(3)]
    waiting = services.notify(recipient=user, event="test.hello", context={"n": 9})  # on_commit not run
    recent = services.notify(recipient=user, event="test.hello", context={"n": 10})
    old = timezone.now() - dt.timedelta(days=366)
    Notification.objects.exclude(pk=recent.pk).update(created_at=old)
    assert Delivery.objects.filter(notification=waiting, status=DeliveryStatus.QUEUED).exists()

    assert services.notifications_purge(batch_size=2) == 3  # in batches of 2
    assert set(Notification.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}
    assert not Delivery.objects.filter(notification_id__in=[n.pk for n in sent]).exists()
    assert services.notifications_purge() == 0  # a second run finds nothing
    Delivery.objects.filter(notification=waiting).update(status=DeliveryStatus.FAILED)
    assert services.notifications_purge() == 1  # once its delivery has ended, it goes too

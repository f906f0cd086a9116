"""Notifications: the public interface any app uses to tell a person something (SPEC §3.5).

`notify(...)` writes the notification and one delivery per channel in the database (the outbox); Celery
workers deliver them. Every delivery is claimed with a conditional update before it is sent, so a task
that runs twice, or a redelivered task after a worker died, sends at most once per claim; retries are
scheduled in the database (next_attempt_at), never as long ETAs on the broker.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .channels import Message, PermanentError, TransientError, send_email, send_webhook
from .constants import Channel, DeliveryStatus
from .models import ChannelPreference, Delivery, Notification
from .registry import UnknownEvent, get_event

logger = logging.getLogger(__name__)


def _enqueue(delivery_ids: list[str]) -> None:
    """Hand the deliveries to a worker after commit; if the broker is down, the dispatcher will."""
    from .tasks import deliver

    def send(pk: str) -> None:
        try:
            deliver.delay(pk)
        except Exception:  # broker unreachable: the row is queued in the database, dispatch_due picks it up
            logger.warning("delivery %s not enqueued now (broker unavailable); the dispatcher will", pk)

    for pk in delivery_ids:
        transaction.on_commit(lambda pk=pk: send(pk))


def _preferences(user) -> dict[str, ChannelPreference]:
    return {p.channel: p for p in ChannelPreference.objects.filter(user=user)}


def _address(user, channel: str, prefs: dict[str, ChannelPreference]) -> str | None:
    """Where to deliver on this channel, or None when the person does not want (or cannot get) it."""
    pref = prefs.get(channel)
    if channel == Channel.INBOX:
        return ""
    if pref is not None and not pref.enabled:
        return None
    if channel == Channel.EMAIL:
        return user.email or None
    if channel == Channel.WEBHOOK:
        return pref.address if pref is not None and pref.address else None
    return None


@transaction.atomic
def notify(
    *, recipient, event: str, context: dict | None = None, dedupe_key: str = ""
) -> Notification | None:
    """Tell `recipient` about `event` on every channel they want; None if `dedupe_key` was used before.

    An unknown event is recorded as a failed notification with its reason instead of breaking the caller.
    """
    try:
        event_type = get_event(event)
    except UnknownEvent as exc:
        notification = Notification.objects.create(recipient=recipient, event=event, context=context or {})
        Delivery.objects.create(
            notification=notification,
            channel=Channel.INBOX,
            status=DeliveryStatus.FAILED,
            last_error=exc.detail[:300],
        )
        logger.warning("notification %s failed: unknown event", notification.pk)
        return notification
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, event=event, context=context or {}, dedupe_key=dedupe_key
            )
    except IntegrityError:
        return None  # this dated reminder exists already
    prefs = _preferences(recipient)
    now = timezone.now()
    queued = []
    for channel in event_type.channels:
        address = _address(recipient, channel, prefs)
        if channel == Channel.INBOX:
            Delivery.objects.create(
                notification=notification, channel=channel, status=DeliveryStatus.SENT, sent_at=now
            )
        elif address is None:
            Delivery.objects.create(notification=notification, channel=channel, status=DeliveryStatus.SKIPPED)
        else:
            queued.append(
                Delivery.objects.create(notification=notification, channel=channel, address=address)
            )
    _enqueue([str(d.pk) for d in queued])
    return notification


@transaction.atomic
def notify_rendered_email(
    *, recipient, address: str, event: str, subject: str, text: str, html: str = ""
) -> Notification:
    """An e-mail already rendered elsewhere (allauth's account mails), sent through the same outbox."""
    notification = Notification.objects.create(
        recipient=recipient, event=event, rendered={"subject": subject, "text": text, "html": html}
    )
    delivery = Delivery.objects.create(notification=notification, channel=Channel.EMAIL, address=address)
    _enqueue([str(delivery.pk)])
    return notification


def message_render(notification: Notification, *, language: str | None = None) -> Message:
    """Subject, text and HTML of a notification in the recipient's language."""
    if notification.rendered:
        r = notification.rendered
        return Message(subject=r.get("subject", ""), text=r.get("text", ""), html=r.get("html", ""))
    event_type = get_event(notification.event)
    language = language or _language(notification)
    context = {**notification.context, "notification": notification}
    with translation.override(language):
        subject = render_to_string(f"emails/{event_type.template}-subject.txt", context)
        text = render_to_string(f"emails/{event_type.template}-body.txt", context)
        try:
            html = render_to_string(f"emails/{event_type.template}-body.html", context)
        except TemplateDoesNotExist:
            html = ""
    return Message(subject=" ".join(subject.split()), text=text, html=html)


def email_frame(message: Message, *, language: str) -> Message:
    """Every e-mail names the portal and the city: a subject prefix and a footer with the city's contact, in
    the recipient's language (the inbox keeps the plain subject)."""
    with translation.override(language):
        prefix = f"[{translation.gettext('たかまつデジタル市役所')}] "
        footer_text = render_to_string("emails/_footer.txt")
        footer_html = render_to_string("emails/_footer.html") if message.html else ""
    subject = message.subject.strip()
    if not subject.startswith(prefix):
        subject = prefix + subject
    html = message.html
    if footer_html:
        at = html.lower().rfind("</body>")
        html = html[:at] + footer_html + html[at:] if at >= 0 else html + footer_html
    return Message(subject=subject, text=message.text.rstrip() + "\n\n" + footer_text, html=html)


def _language(notification: Notification) -> str:
    return getattr(notification.recipient, "preferred_language", None) or settings.LANGUAGE_CODE


def _backoff(attempts: int) -> dt.timedelta:
    base = settings.TAKAMATSU_DELIVERY_BACKOFF_SECONDS
    return dt.timedelta(seconds=min(base * (2 ** max(attempts - 1, 0)), 6 * 3600))


def delivery_attempt(*, pk: str) -> str:
    """Send one delivery if it is due and not taken; returns what happened (for logs and tests)."""
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=pk, status=DeliveryStatus.QUEUED, next_attempt_at__lte=now).update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return "not-due-or-taken"
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=pk)
    notification = delivery.notification
    mine = Delivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING, claimed_at=now)
    try:
        message = message_render(notification)
        if delivery.channel == Channel.EMAIL:
            message = email_frame(message, language=_language(notification))
            send_email(delivery_id=str(delivery.pk), address=delivery.address, message=message)
        elif delivery.channel == Channel.WEBHOOK:
            send_webhook(
                delivery_id=str(delivery.pk),
                address=delivery.address,
                event=notification.event,
                message=message,
            )
        else:
            raise PermanentError(f"channel {delivery.channel} is not delivered by workers")
    except TransientError as exc:
        if delivery.attempts >= settings.TAKAMATSU_DELIVERY_MAX_ATTEMPTS:
            mine.update(
                status=DeliveryStatus.FAILED,
                last_error=f"gave up after {delivery.attempts} attempts: {exc}"[:300],
            )
            logger.warning("delivery %s failed for good after %s attempts", pk, delivery.attempts)
            return "failed"
        mine.update(
            status=DeliveryStatus.QUEUED,
            next_attempt_at=now + _backoff(delivery.attempts),
            last_error=str(exc)[:300],
        )
        logger.info("delivery %s will be retried: %s", pk, type(exc).__name__)
        return "retry"
    except (PermanentError, UnknownEvent, TemplateDoesNotExist) as exc:
        reason = f"missing template {exc}" if isinstance(exc, TemplateDoesNotExist) else str(exc)
        mine.update(status=DeliveryStatus.FAILED, last_error=reason[:300])
        logger.warning("delivery %s failed: %s", pk, type(exc).__name__)
        return "failed"
    mine.update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    if notification.rendered:
        # Account mails carry one-time links: keep them no longer than needed.
        Notification.objects.filter(pk=notification.pk).update(rendered={})
    return "sent"


def deliveries_dispatch_due(*, limit: int = 500) -> int:
    """Enqueue deliveries whose time has come (first tries that lost their task, and retries)."""
    from .tasks import deliver

    due = list(
        Delivery.objects.filter(status=DeliveryStatus.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        deliver.delay(str(pk))  # a broker error here fails this run; the next beat tick tries again
    return len(due)


def deliveries_sweep_stuck() -> int:
    """Deliveries claimed long ago by a worker that died are queued again."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.TAKAMATSU_STUCK_AFTER_SECONDS)
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=cutoff).update(
        status=DeliveryStatus.QUEUED, next_attempt_at=timezone.now(), claimed_at=None
    )


PURGE_BATCH_SIZE = 1000


def notifications_purge(*, now: dt.datetime | None = None, batch_size: int = PURGE_BATCH_SIZE) -> int:
    """Delete notifications older than TAKAMATSU_NOTIFICATION_RETENTION_DAYS, with their deliveries (the
    addresses they went to, the rendered text), in batches; returns how many notifications.

    One still waiting for or in a delivery stays until that ends. The retention is far longer than any
    reminder's window (at most 30 days ahead), so a purged dedupe key is never due again.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.TAKAMATSU_NOTIFICATION_RETENTION_DAYS)
    pending = Delivery.objects.filter(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING])
    old = Notification.objects.filter(created_at__lt=cutoff).exclude(pk__in=pending.values("notification_id"))
    purged = 0
    while ids := list(old.order_by("created_at", "pk").values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            Delivery.objects.filter(notification_id__in=ids).delete()
            purged += Notification.objects.filter(pk__in=ids).delete()[1].get(Notification._meta.label, 0)
        if len(ids) < batch_size:
            break
    if purged:
        logger.info("notifications purged: %d", purged)
    return purged


def notification_mark_read(*, user, pk) -> bool:
    """Mark one of the user's notifications read; False when it is not theirs (or unknown)."""
    return bool(
        Notification.objects.filter(pk=pk, recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def channel_preference_set(*, user, channel: str, enabled: bool, address: str = "") -> ChannelPreference:
    pref, _ = ChannelPreference.objects.update_or_create(
        user=user, channel=channel, defaults={"enabled": enabled, "address": address}
    )
    return pref

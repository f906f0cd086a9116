import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number

from .constants import Channel, DeliveryStatus


class Notification(models.Model):
    """One thing to tell one person, delivered on one or more channels.

    `context` holds references (ids, codes, dates) for the templates, never personal data; pre-rendered
    account e-mails (allauth) carry their text in `rendered` until delivered, then it is cleared.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    event = models.CharField(max_length=80)
    context = models.JSONField(default=dict, blank=True)
    rendered = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            # A dated reminder is created once per person and key, however often the job runs.
            models.UniqueConstraint(
                fields=["recipient", "event", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_dedupe",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"


class Delivery(models.Model):
    """The delivery of a notification on one channel: at most one per (notification, channel)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # E-mail address or messaging recipient id.
    address = models.CharField(max_length=320, blank=True, validators=[validate_no_my_number])
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("配信")
        verbose_name_plural = _("配信")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.status}"


class ChannelPreference(models.Model):
    """Whether a person wants a channel; the in-app inbox is always on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    enabled = models.BooleanField(default=True)
    # Messaging recipient id for the webhook channel, typed by the resident.
    address = models.CharField(max_length=200, blank=True, validators=[validate_no_my_number])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="preference_once_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {'on' if self.enabled else 'off'}"

"""Reads of notifications: the inbox and the unread count (the app's public read interface)."""

from __future__ import annotations

from django.db.models import QuerySet

from .constants import Channel, DeliveryStatus
from .models import Notification


def inbox_list(*, user) -> QuerySet[Notification]:
    """The user's notifications shown in the inbox, newest first."""
    return Notification.objects.filter(
        recipient=user, deliveries__channel=Channel.INBOX, deliveries__status=DeliveryStatus.SENT
    ).order_by("-created_at")


def unread_count(*, user) -> int:
    return inbox_list(user=user).filter(read_at__isnull=True).count()

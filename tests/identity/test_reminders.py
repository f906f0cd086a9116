import datetime as dt

import pytest
from django.utils import timezone

from apps.identity.models import IdentityVerification
from apps.identity.services import certificate_expiry_reminders_send
from apps.identity.tasks import certificate_expiry_reminders
from apps.notifications.models import Notification

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def verified(expires_in_days: int) -> IdentityVerification:
    return IdentityVerification.objects.create(
        user=UserFactory(),
        method="jpki",
        verified_at=timezone.now(),
        certificate_expires_at=timezone.now() + dt.timedelta(days=expires_in_days),
        is_takamatsu_resident=True,
    )


def test_residents_are_reminded_30_days_before_the_certificate_lapses_once():
    soon, later, lapsed = verified(29), verified(45), verified(-1)
    assert certificate_expiry_reminders_send() == 1
    assert certificate_expiry_reminders() == 0  # the beat task run again: no second reminder
    reminders = Notification.objects.filter(event="identity.certificate_expiring")
    assert [n.recipient_id for n in reminders] == [soon.user_id]
    assert (
        reminders.get().context["expires_on"] == timezone.localdate(soon.certificate_expires_at).isoformat()
    )
    assert not Notification.objects.filter(recipient__in=[later.user, lapsed.user]).exists()

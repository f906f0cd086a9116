"""Reads of counter requests: the counter app's public read interface."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from apps.identity.selectors import verification_get

from .constants import FormKind, RequestStatus
from .models import CounterRequest


def counter_request_get_for_user(*, user, pk) -> CounterRequest:
    """The user's own request; another resident's (or an unknown) one is a 404."""
    try:
        return CounterRequest.objects.get(pk=pk, user=user)
    except (CounterRequest.DoesNotExist, ValueError):
        raise Http404 from None


def counter_requests_for_user(*, user) -> QuerySet[CounterRequest]:
    return CounterRequest.objects.filter(user=user, purged_at__isnull=True)


def counter_request_for_desk(*, pk) -> CounterRequest:
    """A request with what the desk page shows (corrections and audit entries) in three queries."""
    try:
        return CounterRequest.objects.prefetch_related("corrections", "audit_entries").get(pk=pk)
    except (CounterRequest.DoesNotExist, ValueError):
        raise Http404 from None


def prefill_for(*, user) -> tuple[dict, bool]:
    """Initial form values from the verified identity (名前・住所・生年月日), and whether there were any."""
    verification = verification_get(user=user)
    if verification is None or not verification.basic_info_kept:
        return {"relationship": "self"}, False
    initial = {
        "requester_name": verification.name,
        "requester_address": verification.address,
        "requester_birth_date": verification.birth_date,
        "relationship": "self",
        "subject_name": verification.name,
        "subject_address": verification.address,
        "subject_birth_date": verification.birth_date,
    }
    return initial, True


def todays_queue() -> QuerySet[CounterRequest]:
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return CounterRequest.objects.filter(scanned_at__gte=start).order_by("scanned_at")


def dashboard(*, days: int = 14) -> dict:
    """Requests per day and form, and the median counter time (scanned → issued), over recent days."""
    since = timezone.now() - dt.timedelta(days=days)
    rows = list(
        CounterRequest.objects.filter(created_at__gte=since).values_list(
            "created_at", "form", "scanned_at", "issued_at"
        )
    )
    per_day: Counter = Counter()
    durations = []
    for created_at, form, scanned_at, issued_at in rows:
        per_day[(timezone.localdate(created_at), form)] += 1
        if scanned_at and issued_at:
            durations.append((issued_at - scanned_at).total_seconds())
    return {
        # (day, the form's name as the desk knows it, count): staff read 住民票, not the code juminhyo.
        "per_day": [
            (day, FormKind(form).label, n) for (day, form), n in sorted(per_day.items(), reverse=True)
        ],
        "median_seconds": statistics.median(durations) if durations else None,
        "issued": len(durations),
        "total": len(rows),
        "waiting": sum(1 for r in rows if r[2] is None),
        "statuses": RequestStatus,
    }

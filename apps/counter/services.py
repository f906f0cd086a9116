"""The no-writing counter (書かない窓口): the counter app's public interface for writes.

A resident's request is found at the counter only by its QR token or short code (both stored hashed);
every staff view, print, correction and issue is written to the audit log the resident can read.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.catalogue.selectors import procedure_fees
from apps.catalogue.services import usage_counter_form_count
from apps.core.errors import ApplicationError
from apps.core.signals import procedure_completed
from apps.documents.services import document_request
from apps.notifications.services import notify

from . import selectors, tokens
from .constants import (
    CARD_FIELDS,
    CERTIFICATES,
    DATE_FIELDS,
    MAX_COPIES,
    AuditAction,
    FormKind,
    Relationship,
    RequestStatus,
)
from .gaiji import fields_with_gaiji
from .models import CounterAuditEntry, CounterCorrection, CounterRequest

logger = logging.getLogger(__name__)

CORRECTABLE_FIELDS = [
    "requester_name", "requester_address", "requester_phone", "subject_name", "subject_address",
    "honseki", "hittosha", "recipient", "purpose_other", *DATE_FIELDS,
]  # fmt: skip
COPIES_FIELD = "copies"  # corrected on its own form: the fee follows the number of copies


class CounterError(ApplicationError):
    code = "counter_error"


@dataclass
class CreatedRequest:
    request: CounterRequest
    token: str
    short_code: str


def fee_total(*, form: str, copies: dict[str, int]) -> int:
    fees = procedure_fees(slugs=[slug for _label, slug in CERTIFICATES[form].values()])
    return sum((fees.get(CERTIFICATES[form][code][1]) or 0) * n for code, n in copies.items())


def _serialisable(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif value is None:
            out[key] = ""
        else:
            out[key] = value
    return out


def _certificate_slugs(form: str, data: dict) -> list[str]:
    return [CERTIFICATES[form][code][1] for code, n in data["copies"].items() if n]


def counter_request_create(*, user, form: str, cleaned: dict) -> CreatedRequest:
    """Store a filled form and give it a fresh QR token and short code (valid for the set period).

    The card's values for the fields it prefills are read again here, on the server, and kept beside the
    answers: whatever the browser sent, the desk tells a value from the card from one the resident typed."""
    data = _serialisable({k: v for k, v in cleaned.items() if not k.startswith("copies_")})
    card, prefilled = selectors.prefill_for(user=user)
    card_values = (
        {k: v for k, v in _serialisable(card).items() if k in data and k in CARD_FIELDS} if prefilled else {}
    )
    now = timezone.now()
    for _attempt in range(
        5
    ):  # a short-code collision is astronomically rare; retry with new codes if it happens
        token, short_code = tokens.new_token(), tokens.new_short_code()
        try:
            with transaction.atomic():
                request = CounterRequest.objects.create(
                    user=user,
                    form=form,
                    data=data,
                    gaiji_fields=fields_with_gaiji(data),
                    fee_yen=fee_total(form=form, copies=data["copies"]),
                    prefilled_from_verification=any(data[k] == v for k, v in card_values.items()),
                    card_values=card_values,
                    token_hash=tokens.digest(token),
                    token_encrypted=tokens.seal(token),
                    short_code_hash=tokens.digest(short_code),
                    short_code_encrypted=tokens.seal(short_code),
                    created_at=now,
                    expires_at=now + dt.timedelta(days=settings.TAKAMATSU_COUNTER_VALID_DAYS),
                )
            # The catalogue's usage figures: one form made for each procedure whose certificate it asks for.
            transaction.on_commit(partial(usage_counter_form_count, slugs=_certificate_slugs(form, data)))
            return CreatedRequest(request=request, token=token, short_code=short_code)
        except IntegrityError:
            continue
    raise CounterError("could not allocate a code", code="code_allocation_failed", status=503)


def counter_request_cancel(*, user, pk) -> bool:
    return bool(
        CounterRequest.objects.filter(pk=pk, user=user, status=RequestStatus.WAITING).update(
            status=RequestStatus.CANCELLED, cancelled_at=timezone.now()
        )
    )


def _throttle_key(staff) -> str:
    return f"counter:lookup-failures:{staff.pk}"


def counter_lookup(*, staff, code: str) -> CounterRequest:
    """The request behind a scanned token or typed short code; CounterError with a code otherwise.

    Failed lookups are counted per clerk: guessing codes is throttled long before it could succeed.
    """
    key = _throttle_key(staff)
    if (cache.get(key) or 0) >= settings.TAKAMATSU_COUNTER_LOOKUP_FAILURES:
        raise CounterError(
            _("照会の失敗が続いたため、しばらく照会できません。"), code="too_many_attempts", status=429
        )
    normalized = tokens.normalize(code)
    request = None
    if normalized:
        hashed = tokens.digest(normalized)
        request = CounterRequest.objects.filter(Q(token_hash=hashed) | Q(short_code_hash=hashed)).first()
    if request is None:
        cache.add(key, 0, timeout=settings.TAKAMATSU_COUNTER_LOOKUP_WINDOW)
        cache.incr(key)
        raise CounterError(
            _("該当する申請が見つかりません。番号を確かめてください。"), code="not_found", status=404
        )
    if request.purged_at or request.status == RequestStatus.CANCELLED:
        raise CounterError(_("この申請は取り消されています。"), code="cancelled", status=410)
    if request.status == RequestStatus.ISSUED:
        raise CounterError(_("この申請はすでに交付済みです。"), code="already_issued", status=410)
    if request.is_expired:
        raise CounterError(
            _("この申請の有効期限が切れています。もう一度作成してもらってください。"),
            code="expired",
            status=410,
        )
    return request


def _audit(request: CounterRequest, staff, action: str) -> None:
    CounterAuditEntry.objects.create(request=request, staff=staff, action=action)
    logger.info("counter request %s %s by staff #%s", request.pk, action, getattr(staff, "pk", None))


@transaction.atomic
def counter_request_scan(*, staff, request: CounterRequest) -> CounterRequest:
    CounterRequest.objects.filter(pk=request.pk, scanned_at__isnull=True).update(
        scanned_at=timezone.now(), status=RequestStatus.SCANNED
    )
    request.refresh_from_db()
    return request


def counter_request_viewed(*, staff, request: CounterRequest, action: str = AuditAction.VIEW) -> None:
    _audit(request, staff, action)


@transaction.atomic
def counter_request_correct(
    *, staff, request: CounterRequest, field: str, new_value: str, reason: str
) -> None:
    if field not in CORRECTABLE_FIELDS or field not in request.data:
        raise CounterError(_("この項目は訂正できません。"), code="field_not_correctable")
    if field in DATE_FIELDS:
        new_value = _date_typed(new_value)
    locked = _correctable_locked(request)
    CounterCorrection.objects.create(
        request=locked,
        field=field,
        old_value=str(locked.data.get(field, "")),
        new_value=new_value,
        reason=reason,
        staff=staff,
    )
    locked.data[field] = new_value
    locked.gaiji_fields = fields_with_gaiji(locked.data)
    _printed_form_outdated(locked)
    locked.save(update_fields=["data", "gaiji_fields", "status"])
    _audit(locked, staff, AuditAction.CORRECT)


def _printed_form_outdated(locked: CounterRequest) -> None:
    """A correction after printing makes the printed form out of date: the request is no longer "printed"
    (the desk asks for a reprint); printed_at keeps when the last one was made."""
    if locked.status == RequestStatus.PRINTED:
        locked.status = RequestStatus.SCANNED


def _correctable_locked(request: CounterRequest) -> CounterRequest:
    locked = CounterRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status in (RequestStatus.ISSUED, RequestStatus.CANCELLED) or locked.purged_at:
        raise CounterError(_("交付済み・取り消し済みの申請は訂正できません。"), code="closed")
    return locked


def _date_typed(value: str) -> str:
    """A date as a clerk types it (1980-02-17, 1980/2/17, full-width digits), in ISO form; never future."""
    match = re.fullmatch(
        r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", unicodedata.normalize("NFKC", value).strip()
    )
    try:
        typed = dt.date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        typed = None
    if typed is None:
        raise CounterError(_("日付は 1980-02-17 のように入力してください。"), code="invalid_value")
    if typed > timezone.localdate():
        raise CounterError(_("生年月日に未来の日付は入力できません。"), code="invalid_value")
    return typed.isoformat()


def copies_text(form: str, copies: dict[str, int]) -> str:
    """「住民票の写し（世帯全員） 2通、記載事項証明書 1通」: copies as the form and the record show them."""
    certificates = CERTIFICATES[form]
    return _("、").join(
        _("%(label)s %(n)d通") % {"label": certificates[code][0], "n": n}
        for code, n in copies.items()
        if code in certificates
    )


@transaction.atomic
def counter_request_copies_correct(
    *, staff, request: CounterRequest, copies: dict[str, int], reason: str
) -> CounterRequest:
    """The resident asks for other numbers of copies at the counter: recorded like any correction, and
    the fee follows. Returns the request as corrected."""
    certificates = CERTIFICATES[request.form]
    if set(copies) - set(certificates) or any(not 0 <= n <= MAX_COPIES for n in copies.values()):
        raise CounterError(
            _("通数は0〜%(max)d通で入力してください。") % {"max": MAX_COPIES}, code="invalid_value"
        )
    wanted = {code: n for code, n in copies.items() if n}
    if not wanted:
        raise CounterError(_("1通以上を請求してください。"), code="no_copies")
    locked = _correctable_locked(request)
    before = locked.data.get(COPIES_FIELD) or {}
    if wanted == before:
        raise CounterError(_("通数は変わっていません。"), code="unchanged")
    with translation.override("ja"):  # the record is printed on the city's Japanese form
        old_value, new_value = copies_text(locked.form, before), copies_text(locked.form, wanted)
    CounterCorrection.objects.create(
        request=locked, field=COPIES_FIELD, old_value=old_value, new_value=new_value, reason=reason,
        staff=staff,
    )  # fmt: skip
    locked.data[COPIES_FIELD] = wanted
    locked.fee_yen = fee_total(form=locked.form, copies=wanted)
    _printed_form_outdated(locked)
    locked.save(update_fields=["data", "fee_yen", "status"])
    _audit(locked, staff, AuditAction.CORRECT)
    return locked


PRINTABLE_STATUSES = (RequestStatus.SCANNED, RequestStatus.PRINTED, RequestStatus.ISSUED)


@transaction.atomic
def counter_request_print(*, staff, request: CounterRequest):
    """Queue the official form PDF (laid out like the paper form) and note the print.

    A reprint (a jammed printer, a second copy after issue) is audited like the first print but keeps the
    first print's time and never moves the request back: an issued request stays issued."""
    locked = CounterRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status not in PRINTABLE_STATUSES:
        raise CounterError(_("この申請は印刷できる状態ではありません。"), code="not_printable")
    document = document_request(
        owner=staff, kind="counter.official_form", params={"request_id": str(request.pk)}
    )
    if locked.printed_at is None:
        locked.printed_at = timezone.now()
    if locked.status == RequestStatus.SCANNED:
        locked.status = RequestStatus.PRINTED
    locked.save(update_fields=["printed_at", "status"])
    _audit(request, staff, AuditAction.PRINT)
    return document


@transaction.atomic
def counter_request_issue(*, staff, request: CounterRequest, identity_checked: list[str]) -> None:
    updated = CounterRequest.objects.filter(
        pk=request.pk, status__in=[RequestStatus.SCANNED, RequestStatus.PRINTED]
    ).update(status=RequestStatus.ISSUED, issued_at=timezone.now(), identity_checked=identity_checked)
    if updated != 1:
        raise CounterError(_("この申請は交付できる状態ではありません。"), code="not_issuable")
    _audit(request, staff, AuditAction.ISSUE)
    notify(
        recipient=request.user,
        event="counter.issued",
        context={"request_id": str(request.pk), "form": request.form, "reference": request.reference},
    )
    # In this transaction: a points campaign for online procedures awards with the issue or not at all.
    procedure_completed.send(sender=CounterRequest, user=request.user, reference=f"counter:{request.pk}")


def counter_expiry_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind residents the day before an unused code expires (once per request)."""
    now = now or timezone.now()
    due = CounterRequest.objects.filter(
        status=RequestStatus.WAITING, expires_at__gt=now, expires_at__lte=now + dt.timedelta(days=1)
    ).select_related("user")
    sent = 0
    for request in due:
        if notify(
            recipient=request.user,
            event="counter.expiring",
            context={
                "request_id": str(request.pk),
                "form": request.form,
                "reference": request.reference,
                "expires_on": timezone.localdate(request.expires_at).isoformat(),
            },
            dedupe_key=f"counter-expiring:{request.pk}",
        ):
            sent += 1
    return sent


def counter_requests_purge(*, now: dt.datetime | None = None) -> int:
    """Erase personal data of finished, cancelled or expired requests after the retention period."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.TAKAMATSU_COUNTER_RETENTION_DAYS)

    finished = CounterRequest.objects.filter(purged_at__isnull=True).filter(
        Q(status=RequestStatus.ISSUED, issued_at__lt=cutoff)
        | Q(status=RequestStatus.CANCELLED, cancelled_at__lt=cutoff)
        | Q(status=RequestStatus.WAITING, expires_at__lt=cutoff)
        | Q(status__in=[RequestStatus.SCANNED, RequestStatus.PRINTED], scanned_at__lt=cutoff)
    )
    ids = list(finished.values_list("pk", flat=True))
    with transaction.atomic():
        CounterCorrection.objects.filter(request_id__in=ids).update(old_value="", new_value="")
        count = CounterRequest.objects.filter(pk__in=ids).update(
            data={},
            card_values={},
            gaiji_fields=[],
            token_encrypted="",
            short_code_encrypted="",
            purged_at=now,
        )
    return count


def needs_proxy_letter(request: CounterRequest) -> bool:
    return request.data.get("relationship") == Relationship.PROXY and request.form != FormKind.INKAN


def counter_receipt_request(*, user, request: CounterRequest):
    """The resident's PDF with the QR code and short code, to print or keep offline."""
    return document_request(owner=user, kind="counter.receipt", params={"request_id": str(request.pk)})

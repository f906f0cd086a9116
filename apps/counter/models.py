import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number

from . import tokens
from .constants import AuditAction, FormKind, RequestStatus


class CounterRequest(models.Model):
    """A counter form filled in advance (書かない窓口). Found at the counter by QR token or short code.

    The token and the short code are stored hashed (lookup) and the token also encrypted (so that its
    owner can show the QR code again); neither appears in any URL.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="counter_requests"
    )
    form = models.CharField(max_length=16, choices=FormKind.choices)
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.WAITING)
    data = models.JSONField(default=dict)  # the form's fields; emptied by the retention purge
    gaiji_fields = models.JSONField(default=list, blank=True)  # fields with characters outside JIS X 0208
    fee_yen = models.PositiveIntegerField(default=0)
    prefilled_from_verification = models.BooleanField(default=False)
    # What the My Number card's 基本4情報 said for the fields it filled in, when the resident submitted: the
    # desk shows each value's origin (card, the resident, staff) and which values differ from the card.
    card_values = models.JSONField(default=dict, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    token_encrypted = models.TextField(blank=True)
    short_code_hash = models.CharField(max_length=64, unique=True)
    short_code_encrypted = models.TextField(blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    printed_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    identity_checked = models.JSONField(default=list, blank=True)  # which documents the clerk saw
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("窓口申請")
        verbose_name_plural = _("窓口申請")
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"CounterRequest {self.pk}"

    @property
    def reference(self) -> str:
        """The one reference (受付番号) of this request: the short code the resident was given, on every
        screen, printed form and notification. Empty once the retention purge has removed it."""
        return tokens.shown(tokens.unseal(self.short_code_encrypted)) if self.short_code_encrypted else ""

    @property
    def is_expired(self) -> bool:
        return self.status == RequestStatus.WAITING and timezone.now() >= self.expires_at


class CounterCorrection(models.Model):
    """A clerk's correction of one field, with the reason; the original value is kept."""

    request = models.ForeignKey(CounterRequest, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(max_length=64)
    old_value = models.TextField(blank=True, validators=[validate_no_my_number])
    new_value = models.TextField(blank=True, validators=[validate_no_my_number])
    reason = models.CharField(max_length=300, validators=[validate_no_my_number])
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Correction of {self.field}"


class CounterAuditEntry(models.Model):
    """Every staff view, print, correction and issue of a resident's request (the resident sees these)."""

    request = models.ForeignKey(CounterRequest, on_delete=models.CASCADE, related_name="audit_entries")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.action} of {self.request_id}"

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number

from .constants import HOLDER_KINDS, AccountKind, TransactionKind


class Merchant(models.Model):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("店名"), max_length=100, validators=[validate_no_my_number])
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merchants")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """A ledger account; `balance` is a cache of the sum of its entries, updated in the same transaction."""

    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    # A deleted account's ledger stays whole: the wallet account loses its owner, never its entries.
    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wallet_account",
    )
    merchant = models.OneToOneField(
        Merchant, on_delete=models.PROTECT, null=True, blank=True, related_name="account"
    )
    system_code = models.CharField(max_length=32, unique=True, null=True, blank=True)
    balance = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=HOLDER_KINDS) | Q(balance__gte=0), name="holder_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} account #{self.pk}"


class Transaction(models.Model):
    """A movement of points: its entries sum to zero (checked by the database at commit on PostgreSQL)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=TransactionKind.choices)
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal"
    )
    refund_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class Entry(models.Model):
    """One leg of a transaction. Append-only: corrections are reversing transactions."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero")]
        indexes = [models.Index(fields=["account", "created_at"])]

    def __str__(self) -> str:
        return f"{self.amount:+d} on account #{self.account_id}"

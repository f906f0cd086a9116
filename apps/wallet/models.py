import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number

from .constants import (
    HOLDER_KINDS,
    POINT_VALIDITY_DAYS,
    AccountKind,
    ApplicationStatus,
    CampaignKind,
    LotSource,
    PaymentMethod,
    RefundReason,
    ReservationStatus,
    SaleEligibility,
    SaleMode,
    TransactionKind,
)


class Merchant(models.Model):
    code = models.SlugField(max_length=50, unique=True, validators=[validate_no_my_number])
    name = models.CharField(_("店名"), max_length=100, validators=[validate_no_my_number])
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merchants")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Onboarding by the wallet operator: where the shop is and where the city pays its settlements.
    address = models.CharField(_("所在地"), max_length=200, blank=True, validators=[validate_no_my_number])
    contact_email = models.EmailField(
        _("連絡先メールアドレス"), blank=True, validators=[validate_no_my_number]
    )
    bank_code = models.CharField(_("金融機関コード"), max_length=4, blank=True)
    branch_code = models.CharField(_("支店コード"), max_length=3, blank=True)
    account_type = models.CharField(
        _("預金種目"), max_length=8, blank=True, choices=[("ordinary", _("普通")), ("current", _("当座"))]
    )
    account_number = models.CharField(_("口座番号"), max_length=7, blank=True)
    account_holder = models.CharField(
        _("口座名義（カナ）"), max_length=60, blank=True, validators=[validate_no_my_number]
    )
    onboarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("加盟店")
        verbose_name_plural = _("加盟店")

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

    @property
    def number(self) -> str:
        """The transaction number (取引番号) people read: on the receipt, the till and the history."""
        return str(self.pk)[:8].upper()


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


class Lot(models.Model):
    """Value credited to a resident with its expiry; payments use the lots closest to expiry first.

    The sum of `remaining` over an account's lots equals its balance (checked by `wallet_reconcile`).
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lots")
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="lots")
    source = models.CharField(max_length=16, choices=LotSource.choices, default=LotSource.AWARD)
    amount = models.BigIntegerField()
    remaining = models.BigIntegerField()
    expires_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="lot_amount_positive"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=models.F("amount")),
                name="lot_remaining_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "expires_at", "id"],
                condition=Q(remaining__gt=0),
                name="lot_open_by_expiry",
            ),
            models.Index(fields=["expires_at"], condition=Q(remaining__gt=0), name="lot_open_expiry"),
        ]

    def __str__(self) -> str:
        return f"lot #{self.pk}: {self.remaining}/{self.amount} until {self.expires_at:%Y-%m-%d}"


class LotUse(models.Model):
    """How much of a lot a debit (payment, expiry) took (positive) or a refund gave back to it (negative)."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="lot_uses")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="uses")
    amount = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="lot_use_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.amount:+d} of lot #{self.lot_id}"


class Campaign(models.Model):
    """A rule that gives points: what earns them, how many, the budget, the per-person cap and the period."""

    code = models.SlugField(max_length=50, unique=True, validators=[validate_no_my_number])
    name = models.CharField(_("キャンペーン名"), max_length=100, validators=[validate_no_my_number])
    name_en = models.CharField(
        _("キャンペーン名（英語）"), max_length=100, blank=True, validators=[validate_no_my_number]
    )
    kind = models.CharField(_("種類"), max_length=16, choices=CampaignKind.choices)
    points = models.PositiveIntegerField(_("1回の付与ポイント"))
    budget = models.BigIntegerField(_("予算（ポイント）"))
    awarded = models.BigIntegerField(_("付与済みポイント"), default=0)
    per_person_cap = models.PositiveIntegerField(_("1人あたりの上限（ポイント）"))
    starts_at = models.DateTimeField(_("開始"))
    ends_at = models.DateTimeField(_("終了"))
    validity_days = models.PositiveIntegerField(_("ポイントの有効日数"), default=POINT_VALIDITY_DAYS)
    event_code = models.CharField(
        _("参加コード"), max_length=32, blank=True, validators=[validate_no_my_number]
    )
    steps_threshold = models.PositiveIntegerField(_("1日の歩数の基準"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ポイントキャンペーン")
        verbose_name_plural = _("ポイントキャンペーン")
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="campaign_points_positive"),
            models.CheckConstraint(
                condition=Q(awarded__gte=0) & Q(awarded__lte=models.F("budget")),
                name="campaign_within_budget",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="campaign_period"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignParticipant(models.Model):
    """What one person has received from a campaign; `cap` is copied so the database can hold the limit."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    total = models.BigIntegerField(default=0)
    cap = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="campaign_participant_once"),
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(total__lte=models.F("cap")), name="campaign_participant_cap"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.total}/{self.cap} points of campaign #{self.campaign_id}"


class CampaignAward(models.Model):
    """One award of a campaign for one reason (a procedure, a day of steps, an event): never twice."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="awards")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reference = models.CharField(max_length=64)
    amount = models.BigIntegerField()
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="campaign_award")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user", "reference"], name="campaign_award_once")
        ]

    def __str__(self) -> str:
        return f"{self.amount} points of campaign #{self.campaign_id} for {self.reference}"


class VoucherSale(models.Model):
    """Premium vouchers on sale: price and premium per unit, stock, cap per person, lottery or first come."""

    code = models.SlugField(max_length=50, unique=True, validators=[validate_no_my_number])
    name = models.CharField(_("商品券の名称"), max_length=100, validators=[validate_no_my_number])
    name_en = models.CharField(
        _("名称（英語）"), max_length=100, blank=True, validators=[validate_no_my_number]
    )
    price = models.PositiveIntegerField(_("1冊の価格（円）"))
    premium_rate = models.PositiveIntegerField(_("プレミアム率（%）"))
    stock = models.PositiveIntegerField(_("販売冊数"))
    reserved = models.PositiveIntegerField(_("予約・販売済みの冊数"), default=0)
    per_person_cap = models.PositiveIntegerField(_("1人あたりの上限（冊）"))
    mode = models.CharField(_("販売方法"), max_length=16, choices=SaleMode.choices)
    eligibility = models.CharField(
        _("購入できる人"), max_length=16, choices=SaleEligibility.choices, default=SaleEligibility.RESIDENTS
    )
    opens_at = models.DateTimeField(_("受付開始"))
    closes_at = models.DateTimeField(_("受付終了"))
    purchase_until = models.DateTimeField(_("購入期限"))
    reservation_minutes = models.PositiveIntegerField(_("支払い待ちの保持時間（分）"), default=30)
    valid_until = models.DateTimeField(_("商品券の有効期限"))
    draw_seed = models.CharField(_("抽選のシード"), max_length=64, blank=True)
    drawn_at = models.DateTimeField(_("抽選日時"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("プレミアム付き商品券")
        verbose_name_plural = _("プレミアム付き商品券")
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved__lte=models.F("stock")), name="voucher_never_oversold"
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="voucher_price_positive"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="voucher_sale_period"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str | None) -> str:
        """The name for a reader of `language`: the English one where it is given, else the Japanese."""
        if self.name_en and (language or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the language of the page being rendered."""
        return self.name_in(translation.get_language())

    @property
    def face_value(self) -> int:
        """Points one unit gives: the price plus its premium (whole points, rounded down)."""
        return self.price * (100 + self.premium_rate) // 100


class VoucherApplication(models.Model):
    sale = models.ForeignKey(VoucherSale, on_delete=models.PROTECT, related_name="applications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    units = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.APPLIED
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sale", "user"], name="voucher_apply_once"),
            models.CheckConstraint(condition=Q(units__gt=0), name="voucher_application_units"),
        ]

    def __str__(self) -> str:
        return f"application #{self.pk} ({self.status})"


class VoucherHolding(models.Model):
    """Units a person holds or has reserved in a sale; `cap` is copied so the database enforces it."""

    sale = models.ForeignKey(VoucherSale, on_delete=models.PROTECT, related_name="holdings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    units = models.PositiveIntegerField(default=0)
    cap = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sale", "user"], name="voucher_holding_once"),
            models.CheckConstraint(condition=Q(units__lte=models.F("cap")), name="voucher_holding_cap"),
        ]

    def __str__(self) -> str:
        return f"{self.units}/{self.cap} units of sale #{self.sale_id}"


class VoucherReservation(models.Model):
    """A purchase: stock held as a pending transfer until the payment is confirmed, then credited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sale = models.ForeignKey(VoucherSale, on_delete=models.PROTECT, related_name="reservations")
    # A deleted account's purchases stay as the city's payment records, without the person. Deletion waits
    # while money is in flight (a pending payment, a refund due): see apps/wallet/account_deletion.py.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    units = models.PositiveIntegerField()
    amount_due = models.PositiveIntegerField()
    face_total = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=ReservationStatus.choices, default=ReservationStatus.PENDING, db_index=True
    )
    method = models.CharField(max_length=16, choices=PaymentMethod.choices, blank=True)
    provider_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    request_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="voucher_reservation"
    )
    # A payment that arrived too late (status refund_due): why, and who recorded the refund and when.
    refund_reason = models.CharField(max_length=16, choices=RefundReason.choices, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(units__gt=0), name="voucher_reservation_units")]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"reservation {self.pk} ({self.status})"


class Settlement(models.Model):
    """The city pays a merchant what it received: the merchant's balance moves to the settlement account."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="settlements")
    amount = models.BigIntegerField()
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="settlement")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="settlement_amount_positive")]

    def __str__(self) -> str:
        return f"settlement {self.pk}: {self.amount}"

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number


class EmailUserManager(UserManager):
    """Users sign in with their e-mail address; there is no username."""

    def _create_user(self, email, password, **extra_fields):  # type: ignore[override]
        if not email:
            raise ValueError("The e-mail address must be set")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("メールアドレス"), unique=True, validators=[validate_no_my_number])
    first_name = models.CharField(_("名"), max_length=150, blank=True, validators=[validate_no_my_number])
    last_name = models.CharField(_("姓"), max_length=150, blank=True, validators=[validate_no_my_number])
    preferred_language = models.CharField(
        _("表示言語"), max_length=8, choices=[("ja", "日本語"), ("en", "English")], default="ja"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = EmailUserManager()

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")

    def __str__(self) -> str:
        return f"User #{self.pk}"

    @property
    def verification_or_none(self) -> "IdentityVerification | None":
        try:
            return self.verification
        except IdentityVerification.DoesNotExist:
            return None

    @property
    def is_my_number_verified(self) -> bool:
        return self.verification_or_none is not None


class VerificationMethod(models.TextChoices):
    JPKI = "jpki", _("マイナンバーカード（公的個人認証）")
    OIDC = "oidc", _("デジタル認証アプリ")
    DEMO_CARD = "demo_card", _("デモ用カード")


class JPKIChallenge(models.Model):
    """A single-use nonce for the card to sign; valid for five minutes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="jpki_challenges")
    nonce = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"JPKIChallenge {self.pk}"


CARD_IN_ONE_ACCOUNT = "identity_verification_card_in_one_account"


class IdentityVerification(models.Model):
    """What is kept of a verification (SPEC §3.2): nothing more. Never the individual number."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="verification")
    method = models.CharField(max_length=16, choices=VerificationMethod.choices)
    level = models.CharField(max_length=16, default="card")  # "card": signature key of the My Number card
    verified_at = models.DateTimeField()
    certificate_expires_at = models.DateTimeField(null=True, blank=True)
    card_hash = models.CharField(max_length=64, blank=True, db_index=True)  # keyed hash of issuer + serial
    is_takamatsu_resident = models.BooleanField(default=False)
    # The 基本4情報, kept only when the resident agreed (they pre-fill counter forms); erasable.
    basic_info_kept = models.BooleanField(default=False)
    name = models.CharField(max_length=200, blank=True, validators=[validate_no_my_number])
    name_alt = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=400, blank=True, validators=[validate_no_my_number])
    address_alt = models.CharField(max_length=400, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=8, blank=True)

    class Meta:
        verbose_name = _("本人確認")
        verbose_name_plural = _("本人確認")
        constraints = [
            # One card, one account: the database decides between two verifications of one card at once.
            models.UniqueConstraint(
                fields=["card_hash"], condition=~models.Q(card_hash=""), name=CARD_IN_ONE_ACCOUNT
            )
        ]

    def __str__(self) -> str:
        return f"Verification of user #{self.user_id}"


class VerificationAttempt(models.Model):
    """Audit record of every verification attempt: a result code, never personal data."""

    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="verification_attempts")
    method = models.CharField(max_length=16, choices=VerificationMethod.choices)
    result = models.CharField(max_length=40)  # "verified" or an error code of SPEC §4
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.method} {self.result}"

    @property
    def result_message(self) -> str:
        from .constants import result_message

        return result_message(self.result)


def user_display(user: User) -> str:
    """How allauth names the user to the user themself ("logged in as …")."""
    return user.email


class RevocationList(models.Model):
    """The last good CRL fetched from one URL of TAKAMATSU_JPKI_CRLS, shared by every process.

    Files named in the setting are read where they are; URLs are fetched by apps.identity.crls (on beat,
    and on demand when a verification finds none kept). An empty `der` means no good list yet.
    """

    url = models.CharField(max_length=500, unique=True)
    der = models.BinaryField(default=b"")
    issuer = models.CharField(max_length=500, blank=True)
    this_update = models.DateTimeField(null=True, blank=True)
    next_update = models.DateTimeField(null=True, blank=True)
    revoked_count = models.PositiveIntegerField(default=0)
    etag = models.CharField(max_length=200, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)  # last answer that was a good list or 304
    checked_at = models.DateTimeField(null=True, blank=True)  # last attempt, good or not
    last_error = models.CharField(max_length=300, blank=True)  # why the last attempt failed, "" if it did not

    class Meta:
        ordering = ["url"]
        verbose_name = _("失効リスト（CRL）")
        verbose_name_plural = _("失効リスト（CRL）")

    def __str__(self) -> str:
        return self.url

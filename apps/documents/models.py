import uuid

from django.conf import settings
from django.core.files.storage import default_storage, storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.mynumber import validate_no_my_number

from .constants import PENDING_STATUSES, DocumentStatus

DOCUMENTS_FOLDER = "documents"


def document_storage():
    """A STORAGES["documents"] alias when configured (private bucket/folder), else the default storage."""
    return storages["documents"] if "documents" in settings.STORAGES else default_storage


class Document(models.Model):
    """A generated PDF for one resident. `params` holds references only (ids, codes), never personal data:
    the renderer of `kind` reads what it needs when the document is made."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("種類"), max_length=64, validators=[validate_no_my_number])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents", verbose_name=_("所有者")
    )
    params = models.JSONField(_("参照"), default=dict, blank=True)
    status = models.CharField(
        _("状況"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED
    )
    file = models.FileField(
        _("ファイル"), upload_to=f"{DOCUMENTS_FOLDER}/", storage=document_storage, blank=True
    )
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    error = models.CharField(_("失敗の理由"), max_length=200, blank=True, validators=[validate_no_my_number])
    attempts = models.PositiveSmallIntegerField(_("試行回数"), default=0)
    claimed_at = models.DateTimeField(_("作成開始"), null=True, blank=True)
    created_at = models.DateTimeField(_("申込日時"), default=timezone.now)
    rendered_at = models.DateTimeField(_("作成日時"), null=True, blank=True)
    expires_at = models.DateTimeField(_("保存期限"), db_index=True)

    class Meta:
        verbose_name = _("文書")
        verbose_name_plural = _("文書")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="documents_owner_created"),
            models.Index(fields=["status", "claimed_at"], name="documents_status_claimed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DocumentStatus.values), name="documents_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DocumentStatus.READY)
                | (~models.Q(checksum="") & ~models.Q(file="") & models.Q(rendered_at__isnull=False)),
                name="documents_ready_has_file_and_checksum",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DocumentStatus.RENDERING) | models.Q(claimed_at__isnull=False),
                name="documents_rendering_is_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"Document {self.pk} ({self.kind}, {self.status})"

    @property
    def file_name(self) -> str:
        """Where this document's PDF is stored: named by the id only, never by anything personal."""
        return f"{DOCUMENTS_FOLDER}/{self.pk}.pdf"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY

    @property
    def is_failed(self) -> bool:
        return self.status == DocumentStatus.FAILED

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("作成待ち")
    RENDERING = "rendering", _("作成中")
    READY = "ready", _("作成済み")
    FAILED = "failed", _("作成できませんでした")


PENDING_STATUSES = (DocumentStatus.QUEUED, DocumentStatus.RENDERING)

# A render that raised is tried again this many times in all (with backoff), then marked failed: a
# broken template must not keep a worker busy forever.
MAX_ATTEMPTS = 3
RETRY_BACKOFF_SECONDS = 10

# The status page reloads itself this often while the document is being made (no JavaScript needed),
# and stops after this long so that a stuck document does not reload forever.
REFRESH_SECONDS = 2
REFRESH_FOR_SECONDS = 120

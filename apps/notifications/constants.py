from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INBOX = "inbox", _("お知らせ（このサイト）")
    EMAIL = "email", _("メール")
    WEBHOOK = "webhook", _("LINE などのメッセージ")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("送信待ち")
    SENDING = "sending", _("送信中")
    SENT = "sent", _("送信済み")
    FAILED = "failed", _("送信失敗")
    SKIPPED = "skipped", _("送信しない設定")

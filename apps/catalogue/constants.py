from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    COUNTER = "counter", _("窓口")
    ONLINE = "online", _("オンライン申請")
    KONBINI = "konbini", _("コンビニ交付")
    MAIL = "mail", _("郵送")


class CounterForm(models.TextChoices):
    """The paper request forms that residents can pre-fill here (書かない窓口)."""

    JUMINHYO = "juminhyo", _("住民票の写し等交付請求書")
    INKAN = "inkan", _("印鑑登録証明書交付申請書")
    KOSEKI = "koseki", _("戸籍証明書等請求書")
    ZEISHOMEI = "zeishomei", _("所得・課税証明書交付申請書")


CHANNEL_FIELDS = {
    Channel.COUNTER: "channel_counter",
    Channel.ONLINE: "channel_online",
    Channel.KONBINI: "channel_konbini",
    Channel.MAIL: "channel_mail",
}

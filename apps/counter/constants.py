"""Choices of the four counter request forms, as on Takamatsu's paper forms."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.catalogue.constants import CounterForm

# The four forms are the catalogue's counter forms: one list, so the catalogue's "apply" button and the
# counter agree on the codes.
FormKind = CounterForm


class RequestStatus(models.TextChoices):
    WAITING = "waiting", _("来庁待ち")
    SCANNED = "scanned", _("窓口で受付中")
    PRINTED = "printed", _("申請書を印刷済み")
    ISSUED = "issued", _("交付済み")
    CANCELLED = "cancelled", _("取り消し済み")


class Relationship(models.TextChoices):
    SELF = "self", _("本人")
    HOUSEHOLD = "household", _("同じ世帯の人")
    SPOUSE = "spouse", _("配偶者")
    LINEAL = "lineal", _("直系の親族（父母・祖父母・子・孫など）")
    PROXY = "proxy", _("代理人（委任を受けた人）")
    THIRD_PARTY = "third_party", _("その他（第三者）")


class AuditAction(models.TextChoices):
    VIEW = "view", _("閲覧")
    PRINT = "print", _("申請書の印刷")
    CORRECT = "correct", _("内容の訂正")
    ISSUE = "issue", _("交付")
    API_VIEW = "api_view", _("閲覧（API）")


# Certificate types per form: code → (label, catalogue slug whose fee applies).
CERTIFICATES: dict[str, dict[str, tuple[str, str]]] = {
    FormKind.JUMINHYO: {
        "juminhyo_all": (_("住民票の写し（世帯全員）"), "juminhyo-copy"),
        "juminhyo_some": (_("住民票の写し（世帯の一部）"), "juminhyo-copy"),
        "kisai": (_("住民票記載事項証明書"), "juminhyo-kisai-jiko-shomei"),
        "joshohyo": (_("住民票の除票の写し"), "juminhyo-joshohyo"),
    },
    FormKind.INKAN: {
        "inkan": (_("印鑑登録証明書"), "inkan-certificate"),
    },
    FormKind.KOSEKI: {
        "zenbu": (_("戸籍全部事項証明書（謄本）"), "koseki-tohon"),
        "kojin": (_("戸籍個人事項証明書（抄本）"), "koseki-shohon"),
        "joseki": (_("除籍謄本・抄本"), "joseki-tohon"),
        "kaisei": (_("改製原戸籍謄本・抄本"), "kaisei-genkoseki"),
        "fuhyo": (_("戸籍の附票の写し"), "koseki-fuhyo"),
        "mibun": (_("身分証明書"), "mibun-shomeisho"),
    },
    FormKind.ZEISHOMEI: {
        "shotoku_kazei": (_("所得課税証明書"), "income-certificate"),
        "hikazei": (_("非課税証明書"), "non-taxation-certificate"),
    },
}

PURPOSES = [
    ("employment", _("就職・勤務先への提出")),
    ("licence", _("運転免許・資格の手続き")),
    ("pension", _("年金の手続き")),
    ("insurance", _("保険の手続き")),
    ("inheritance", _("相続の手続き")),
    ("housing", _("住宅・ローン・不動産の手続き")),
    ("school", _("学校・奨学金の手続き")),
    ("car", _("自動車の登録")),
    ("benefit", _("手当・給付の申請")),
    ("other", _("その他")),
]

# Relationships allowed per form without more: others need a proxy letter or a stated reason.
DIRECT_RELATIONSHIPS = {
    FormKind.JUMINHYO: {Relationship.SELF, Relationship.HOUSEHOLD},
    FormKind.INKAN: {Relationship.SELF},
    FormKind.KOSEKI: {Relationship.SELF, Relationship.SPOUSE, Relationship.LINEAL},
    FormKind.ZEISHOMEI: {Relationship.SELF, Relationship.HOUSEHOLD},
}

SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed without doubt
QR_PREFIX = "TKMC1:"


MAX_COPIES = 10  # copies of one certificate in one request, as the paper form allows
# Dates in a request's data, kept as ISO strings and shown as forms print them (apps.core.dates).
DATE_FIELDS = ("requester_birth_date", "subject_birth_date")
# The fields the verified 基本4情報 fill in (counter.selectors.prefill_for), whose origin the desk shows.
CARD_FIELDS = (
    "requester_name", "requester_address", "requester_birth_date",
    "subject_name", "subject_address", "subject_birth_date",
)  # fmt: skip

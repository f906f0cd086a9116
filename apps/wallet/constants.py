from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    RESIDENT = "resident", _("市民")
    MERCHANT = "merchant", _("加盟店")
    ISSUANCE = "issuance", _("市のポイント発行")
    PREMIUM = "premium", _("商品券のプレミアム分")
    EXPIRY = "expiry", _("失効")
    SETTLEMENT = "settlement", _("加盟店への精算")


# Accounts that hold someone's value: the database refuses a negative balance for them.
HOLDER_KINDS = (AccountKind.RESIDENT, AccountKind.MERCHANT)


class TransactionKind(models.TextChoices):
    AWARD = "award", _("ポイント付与")
    PAYMENT = "payment", _("支払い")
    REFUND = "refund", _("返金")
    EXPIRY = "expiry", _("失効")
    REVERSAL = "reversal", _("取消")
    SETTLEMENT = "settlement", _("精算")


MAX_PAYMENT = 1_000_000  # points (= yen) in one payment

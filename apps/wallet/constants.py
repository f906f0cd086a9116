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
    VOUCHER = "voucher", _("商品券の購入")


MAX_PAYMENT = 1_000_000  # points (= yen) in one payment


class CampaignKind(models.TextChoices):
    VERIFICATION = "verification", _("マイナンバーカードでの本人確認")
    PROCEDURE = "procedure", _("オンライン手続き")
    HEALTH = "health", _("健康活動（歩数）")
    EVENT = "event", _("イベント参加")


class LotSource(models.TextChoices):
    AWARD = "award", _("ポイント")
    VOUCHER = "voucher", _("プレミアム付き商品券")


class SaleMode(models.TextChoices):
    LOTTERY = "lottery", _("抽選")
    FIRST_COME = "first_come", _("先着順")


class SaleEligibility(models.TextChoices):
    """Who may apply for or buy a sale. The per-person cap means one person only where a My Number card
    stands behind the account: one card verifies one account (apps.identity)."""

    RESIDENTS = "residents", _("マイナンバーカードで本人確認をした高松市民")
    VERIFIED = "verified", _("マイナンバーカードで本人確認をした人")
    ANYONE = "anyone", _("ログインした人なら誰でも")


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("申込済み")
    WON = "won", _("当選")
    LOST = "lost", _("落選")


class ReservationStatus(models.TextChoices):
    PENDING = "pending", _("支払い待ち")
    PAID = "paid", _("購入済み")
    EXPIRED = "expired", _("期限切れ")
    CANCELLED = "cancelled", _("取り消し済み")
    # The money arrived when the vouchers could no longer be handed over: the city owes it back.
    REFUND_DUE = "refund_due", _("返金待ち")
    REFUNDED = "refunded", _("返金済み")


# A payment arrived but could not buy the vouchers: owed back, or paid back.
REFUND_STATUSES = (ReservationStatus.REFUND_DUE, ReservationStatus.REFUNDED)


class RefundReason(models.TextChoices):
    """Why a payment that arrived could not buy the vouchers (VoucherReservation.refund_reason)."""

    CANCELLED = "cancelled", _("予約を取り消した後に入金がありました")
    SOLD_OUT = "sold_out", _("支払い期限の後に入金があり、そのときには売り切れていました")
    CAP_REACHED = "cap_reached", _("支払い期限の後に入金があり、そのときには購入上限に達していました")
    SALE_ENDED = "sale_ended", _("商品券の有効期限の後に入金がありました")
    ACCOUNT_DELETED = "account_deleted", _("アカウントを削除した後に入金がありました")


class PaymentMethod(models.TextChoices):
    SANDBOX = "sandbox", _("オンライン決済（テスト環境）")
    COUNTER = "counter", _("窓口・コンビニでの支払い")


POINT_VALIDITY_DAYS = 365  # default life of awarded points
EXPIRY_REMINDER_DAYS = 30

"""What deleting an account means for the wallet (apps.core.signals.account_deletion_check).

The ledger and the payment records outlive the account without the person (Account.owner and
VoucherReservation.user become null). Deletion waits while money is in flight, so that nobody loses a
payment: a voucher payment that may still arrive, a refund the city owes; and while the person represents a
shop, until the city names another representative.
"""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext as _

from apps.core.signals import AccountDeletionNote, account_deletion_check

from .constants import ReservationStatus
from .models import Merchant, VoucherReservation
from .selectors import wallet_balance


@receiver(account_deletion_check, dispatch_uid="wallet.account_deletion")
def wallet_account_deletion_notes(sender, user, **kwargs) -> list[AccountDeletionNote]:
    notes = []
    for name in Merchant.objects.filter(owner=user).values_list("name", flat=True):
        notes.append(
            AccountDeletionNote(
                _(
                    "加盟店「%(name)s」の代表者として登録されています。市の担当課で代表者を変更してから削除してください。"
                )
                % {"name": name},
                blocks=True,
            )
        )
    reservations = VoucherReservation.objects.filter(user=user)
    if reservations.filter(status=ReservationStatus.PENDING).exists():
        notes.append(
            AccountDeletionNote(
                _(
                    "支払い待ちの商品券の予約があります。支払いを済ませるか、予約を取り消してから削除してください。"
                ),
                blocks=True,
            )
        )
    refunds_due = reservations.filter(status=ReservationStatus.REFUND_DUE)
    for amount in refunds_due.values_list("amount_due", flat=True):
        notes.append(
            AccountDeletionNote(
                _("返金待ちの入金（%(amount)s 円）があります。返金が済んでから削除してください。")
                % {"amount": f"{amount:,}"},
                blocks=True,
            )
        )
    balance = wallet_balance(user=user)
    if balance > 0:
        notes.append(
            AccountDeletionNote(
                _("財布の残高（ポイント・商品券 %(balance)s 円分）は使えなくなり、払い戻しもありません。")
                % {"balance": f"{balance:,}"}
            )
        )
    return notes

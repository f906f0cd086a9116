"""Client idempotency keys move into their own namespace, scoped by owner (issue 15, item 1).

Keys that clients sent used to be stored as sent, in the column where the server keeps its own keys
("settlement:…", "campaign:…"): a planted key could block the server's work. Every client-made key already
stored (payments and reservations by residents, refunds by merchants) is rewritten to the form
`apps.wallet.services.client_key` makes now, so that none of them can stand in the server's way any more; a
retry of such an old request with its old key is then a new key for its owner and keeps working as a replay.
"""

import hashlib

from django.db import migrations

PREFIX = "c:"


def _scoped(owner: str, value: str) -> str:
    return PREFIX + hashlib.sha256(f"{owner}\x00{value}".encode()).hexdigest()


def forwards(apps, schema_editor):
    Transaction = apps.get_model("wallet", "Transaction")
    Entry = apps.get_model("wallet", "Entry")
    VoucherReservation = apps.get_model("wallet", "VoucherReservation")
    client_made = Transaction.objects.filter(kind__in=["payment", "refund"], idempotency_key__isnull=False)
    for tx in client_made.exclude(idempotency_key__startswith=PREFIX).iterator():
        debit = Entry.objects.filter(transaction=tx, amount__lt=0).select_related("account").first()
        if debit is None:
            continue
        account = debit.account
        owner = f"resident:{account.owner_id}" if tx.kind == "payment" else f"merchant:{account.merchant_id}"
        tx.idempotency_key = _scoped(owner, tx.idempotency_key)
        tx.save(update_fields=["idempotency_key"])
    for reservation in VoucherReservation.objects.exclude(idempotency_key__startswith=PREFIX).iterator():
        reservation.idempotency_key = _scoped(f"resident:{reservation.user_id}", reservation.idempotency_key)
        reservation.save(update_fields=["idempotency_key"])


class Migration(migrations.Migration):
    dependencies = [("wallet", "0009_voucher_sale_eligibility")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

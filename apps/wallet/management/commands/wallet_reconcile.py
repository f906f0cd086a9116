from django.core.management.base import BaseCommand, CommandError

from apps.wallet.campaigns import campaigns_reconcile
from apps.wallet.services import wallet_reconcile


class Command(BaseCommand):
    help = (
        "Check that every cached balance and every transaction of the ledger adds up, and that campaign "
        "budgets, per-person totals and awards match the ledger (exit 1 if not)."
    )

    def handle(self, *args, **options):
        problems = wallet_reconcile() + campaigns_reconcile()
        for line in problems:
            self.stderr.write(line)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the ledger")
        self.stdout.write("ledger reconciled: every balance, transaction and campaign adds up")

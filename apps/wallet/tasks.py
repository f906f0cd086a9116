import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def reconcile() -> int:
    """The ledger check of `manage.py wallet_reconcile`: balances, transactions and campaign budgets."""
    from .campaigns import campaigns_reconcile

    problems = services.wallet_reconcile() + campaigns_reconcile()
    for line in problems:
        logger.error("ledger: %s", line)
    return len(problems)


@shared_task(ignore_result=True)
def vouchers_expire() -> int:
    """Expire unpaid voucher reservations and give their stock back (safe to run twice, or at once)."""
    from .vouchers import voucher_reservations_expire

    return voucher_reservations_expire()


@shared_task(ignore_result=True)
def points_expire() -> int:
    """Move points past their expiry to the expiry account (safe to run twice, or at once)."""
    from .expiry import points_expire as expire

    return expire()


@shared_task(ignore_result=True)
def expiry_reminders() -> int:
    """Remind residents once of their points that expire within 30 days."""
    from .expiry import expiry_reminders_send

    return expiry_reminders_send()

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def reconcile() -> int:
    problems = services.wallet_reconcile()
    for line in problems:
        logger.error("ledger: %s", line)
    return len(problems)

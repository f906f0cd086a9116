from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def deliver(pk: str) -> str:
    return services.delivery_attempt(pk=pk)


@shared_task(ignore_result=True)
def dispatch_due() -> int:
    return services.deliveries_dispatch_due()


@shared_task(ignore_result=True)
def sweep_stuck() -> int:
    return services.deliveries_sweep_stuck()


@shared_task(ignore_result=True)
def purge_old() -> int:
    return services.notifications_purge()

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def purge_finished() -> int:
    return services.counter_requests_purge()


@shared_task(ignore_result=True)
def expiry_reminders() -> int:
    return services.counter_expiry_reminders_send()

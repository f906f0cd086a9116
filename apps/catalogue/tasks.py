from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def usage_flush() -> int:
    return services.usage_flush()


@shared_task(ignore_result=True)
def usage_purge() -> int:
    return services.usage_purge()

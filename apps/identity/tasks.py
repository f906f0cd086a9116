from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def certificate_expiry_reminders() -> int:
    return services.certificate_expiry_reminders_send()


@shared_task(ignore_result=True)
def challenges_purge() -> int:
    return services.jpki_challenges_purge()

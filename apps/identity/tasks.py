from celery import shared_task

from . import crls, services


@shared_task(ignore_result=True)
def certificate_expiry_reminders() -> int:
    return services.certificate_expiry_reminders_send()


@shared_task(ignore_result=True)
def challenges_purge() -> int:
    return services.jpki_challenges_purge()


@shared_task(ignore_result=True)
def refresh_crls() -> int:
    """Fetch the revocation lists of TAKAMATSU_JPKI_CRLS URLs that are due; a failure keeps the old list."""
    return len(crls.crls_refresh_due())

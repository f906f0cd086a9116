"""Celery tasks of the documents app: each takes primary keys and calls one service."""

from celery import shared_task

from . import services
from .constants import RETRY_BACKOFF_SECONDS


@shared_task
def render_document(pk: str, *, attempt: int = 1) -> str:
    outcome = services.document_render(pk=pk)
    if outcome == services.RenderOutcome.RETRY:
        # The service put the row back in the queue and counts the attempts in the database (so the
        # retries are bounded however often this runs); a lost message is re-sent by sweep_stuck.
        # A new message rather than self.retry(): an eager retry would raise into the caller.
        render_document.apply_async(
            (pk,), {"attempt": attempt + 1}, countdown=RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1)
        )
    return str(outcome)


@shared_task
def sweep_stuck() -> int:
    return services.document_sweep_stuck()


@shared_task
def purge_expired() -> int:
    return services.document_purge_expired()

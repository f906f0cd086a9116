"""Writes for generated documents (PDF): the documents app's public interface.

A document is requested (a queued row, then a task), rendered once by whichever worker claims it, and
purged after the retention period. Every step is safe to run twice: the claim is a conditional UPDATE
that changes one row, and the outcome is written only by the worker whose claim is still current
(`attempts` doubles as a fencing token).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.core.mynumber import contains_my_number

from .constants import MAX_ATTEMPTS, DocumentStatus
from .models import DOCUMENTS_FOLDER, Document
from .registry import Renderer, UnknownDocumentKind, get_renderer

logger = logging.getLogger(__name__)

PARAM_MAX_KEYS = 10
PARAM_MAX_LENGTH = 64
# Errors that the same input will raise again: no point in trying a second time.
PERMANENT_ERRORS = (UnknownDocumentKind, TemplateDoesNotExist, TemplateSyntaxError)


class DocumentParamsInvalid(ApplicationError):
    code = "invalid_document_params"
    status = 400


class RenderOutcome(StrEnum):
    READY = "ready"
    FAILED = "failed"
    RETRY = "retry"  # put back in the queue; the task tries again after a backoff
    SKIPPED = "skipped"  # not claimable: done already, claimed by another worker, or gone


def _retention() -> dt.timedelta:
    return dt.timedelta(days=settings.TAKAMATSU_DOCUMENT_RETENTION_DAYS)


def _stale_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=settings.TAKAMATSU_STUCK_AFTER_SECONDS)


def _params_clean(params: dict[str, Any]) -> dict[str, Any]:
    """References only: a few short scalar values (ids, codes), never free text about a person."""
    if not isinstance(params, dict) or len(params) > PARAM_MAX_KEYS:
        raise DocumentParamsInvalid(_("文書の参照が正しくありません。"))
    for key, value in params.items():
        if not isinstance(key, str) or len(key) > PARAM_MAX_LENGTH:
            raise DocumentParamsInvalid(_("文書の参照が正しくありません。"))
        if value is not None and not isinstance(value, str | int | bool):
            raise DocumentParamsInvalid(_("文書の参照は ID やコードだけにしてください。"))
        if isinstance(value, str) and len(value) > PARAM_MAX_LENGTH:
            raise DocumentParamsInvalid(_("文書の参照は ID やコードだけにしてください。"))
        if contains_my_number(str(value)):
            raise DocumentParamsInvalid(_("個人番号は使えません。"), code="my_number_refused")
    return dict(params)


def _enqueue(pk: str) -> None:
    from .tasks import render_document  # tasks.py imports this module

    render_document.delay(pk)


def document_request(*, owner, kind: str, params: dict[str, Any] | None = None) -> Document:
    """Queue a document of a registered kind for `owner`; it is rendered by a task after commit."""
    get_renderer(kind)
    cleaned = _params_clean(params if params is not None else {})
    now = timezone.now()
    document = Document.objects.create(
        owner=owner, kind=kind, params=cleaned, created_at=now, expires_at=now + _retention()
    )
    pk = str(document.pk)
    # robust: with the broker down the request still succeeds; sweep_stuck sends the task later.
    transaction.on_commit(lambda: _enqueue(pk), robust=True)
    logger.info("document requested pk=%s kind=%s owner=%s", pk, kind, owner.pk)
    return document


def _claim(pk: uuid.UUID | str) -> Document | None:
    now = timezone.now()
    claimable = Q(status=DocumentStatus.QUEUED) | Q(
        status=DocumentStatus.RENDERING, claimed_at__lt=_stale_before(now)
    )
    claimed = Document.objects.filter(claimable, pk=pk, attempts__lt=MAX_ATTEMPTS).update(
        status=DocumentStatus.RENDERING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return None
    return Document.objects.select_related("owner").filter(pk=pk).first()


def _mine(document: Document):
    """The row while our claim is current (a stale claim taken over by another worker is not ours)."""
    return Document.objects.filter(
        pk=document.pk, status=DocumentStatus.RENDERING, attempts=document.attempts
    )


def _reason(exc: BaseException, prefix: str) -> str:
    # The class name only: exception messages may quote template data, i.e. personal data.
    return f"{prefix}: {type(exc).__name__}"[:200]


def _html(document: Document, renderer: Renderer) -> str:
    language = getattr(document.owner, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"document": document, "title": renderer.title, "issued_at": document.claimed_at}
        context.update(renderer.context(document))
        return render_to_string(renderer.template, context)


def _store(document: Document, pdf: bytes) -> RenderOutcome:
    storage = _storage()
    # The storage picks a fresh name if the file exists (left by an attempt that died after writing it,
    # or written by a stale worker right now): only the worker whose claim is current keeps its file.
    name = storage.save(document.file_name, ContentFile(pdf))
    now = timezone.now()
    stored = _mine(document).update(
        status=DocumentStatus.READY,
        file=name,
        checksum=hashlib.sha256(pdf).hexdigest(),
        rendered_at=now,
        expires_at=now + _retention(),
        error="",
    )
    if stored != 1:
        # Our claim went stale and another worker took over, or the row was purged meanwhile.
        storage.delete(name)
        logger.warning("document render superseded pk=%s attempt=%s", document.pk, document.attempts)
        return RenderOutcome.SKIPPED
    if name != document.file_name:
        storage.delete(document.file_name)
    logger.info("document ready pk=%s kind=%s bytes=%s", document.pk, document.kind, len(pdf))
    return RenderOutcome.READY


def _give_up_or_retry(document: Document, reason: str, *, permanent: bool) -> RenderOutcome:
    if permanent or document.attempts >= MAX_ATTEMPTS:
        _mine(document).update(status=DocumentStatus.FAILED, error=reason)
        logger.warning(
            "document failed pk=%s kind=%s attempts=%s reason=%s",
            document.pk, document.kind, document.attempts, reason,
        )  # fmt: skip
        return RenderOutcome.FAILED
    _mine(document).update(status=DocumentStatus.QUEUED, error=reason)
    logger.warning(
        "document render will be retried pk=%s kind=%s attempt=%s reason=%s",
        document.pk, document.kind, document.attempts, reason,
    )  # fmt: skip
    return RenderOutcome.RETRY


def document_render(*, pk: uuid.UUID | str) -> RenderOutcome:
    """Render a queued document once; safe to call again (then it does nothing)."""
    document = _claim(pk)
    if document is None:
        return RenderOutcome.SKIPPED
    # Imported here so that web processes which never render do not load weasyprint and Pango.
    from .rendering import render_pdf

    try:
        renderer = get_renderer(document.kind)
        html = _html(document, renderer)
    except PERMANENT_ERRORS as exc:
        return _give_up_or_retry(document, _reason(exc, "template_error"), permanent=True)
    except Exception as exc:
        return _give_up_or_retry(document, _reason(exc, "renderer_error"), permanent=False)
    try:
        pdf = render_pdf(html)
    except Exception as exc:
        return _give_up_or_retry(document, _reason(exc, "pdf_error"), permanent=False)
    return _store(document, pdf)


def document_sweep_stuck() -> int:
    """Re-enqueue documents whose message or worker was lost; fail those out of attempts."""
    now = timezone.now()
    stale = _stale_before(now)
    lost_worker = Q(status=DocumentStatus.RENDERING, claimed_at__lt=stale)
    failed = Document.objects.filter(lost_worker, attempts__gte=MAX_ATTEMPTS).update(
        status=DocumentStatus.FAILED, error="worker_lost"
    )
    lost_message = Q(status=DocumentStatus.QUEUED) & (
        Q(claimed_at__lt=stale) | Q(claimed_at__isnull=True, created_at__lt=stale)
    )
    pks = [str(pk) for pk in Document.objects.filter(lost_worker | lost_message).values_list("pk", flat=True)]
    for pk in pks:
        transaction.on_commit(lambda pk=pk: _enqueue(pk), robust=True)
    if pks or failed:
        logger.info("documents swept requeued=%s failed=%s", len(pks), failed)
    return len(pks)


def _storage():
    return Document._meta.get_field("file").storage


def _file_names(document: Document) -> set[str]:
    return {document.file_name} | ({document.file.name} if document.file else set())


def _files_delete(names: set[str]) -> None:
    storage = _storage()
    for name in names:
        storage.delete(name)


def _orphan_files_delete() -> int:
    """Files whose row is gone (an account deleted with its documents, a crash between two steps)."""
    try:
        _folders, files = _storage().listdir(DOCUMENTS_FOLDER)
    except FileNotFoundError:
        return 0
    by_pk: dict[uuid.UUID, list[str]] = {}
    for name in files:
        try:
            by_pk.setdefault(uuid.UUID(name.split(".")[0].split("_")[0]), []).append(name)
        except ValueError:
            continue
    kept = set(Document.objects.filter(pk__in=list(by_pk)).values_list("pk", flat=True))
    deleted = 0
    for pk, names in by_pk.items():
        if pk not in kept:
            for name in names:
                _storage().delete(f"{DOCUMENTS_FOLDER}/{name}")
                deleted += 1
    return deleted


def document_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the files and rows of documents past their retention period; returns how many rows."""
    now = now or timezone.now()
    purged = 0
    for document in Document.objects.filter(expires_at__lte=now).only("pk", "file").iterator():
        # File first: a crash in between leaves a row pointing at nothing (purged again next time),
        # never a file with personal data that no row knows about.
        _files_delete(_file_names(document))
        Document.objects.filter(pk=document.pk).delete()
        purged += 1
    orphans = _orphan_files_delete()
    if purged or orphans:
        logger.info("documents purged rows=%s orphan_files=%s", purged, orphans)
    return purged


def document_delete_for_owner(*, owner) -> int:
    """Delete every document of `owner` and, once that is committed, their files (account deletion)."""
    documents = list(Document.objects.filter(owner=owner).only("pk", "file"))
    names = set().union(*(_file_names(d) for d in documents))
    Document.objects.filter(pk__in=[d.pk for d in documents]).delete()
    transaction.on_commit(lambda: _files_delete(names))
    return len(documents)

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.second_factor import second_factor_refusal

from . import selectors
from .constants import REFRESH_FOR_SECONDS, REFRESH_SECONDS
from .models import Document

logger = logging.getLogger(__name__)


def _get_document_for_user(request, pk) -> Document:
    try:
        return selectors.document_get_for_owner(owner=request.user, pk=pk)
    except Document.DoesNotExist:
        raise Http404 from None


def _second_factor_refusal(request, document: Document):
    """Kinds for staff and shops open only with the second factor, like the staff pages (SPEC §3.2)."""
    if selectors.document_needs_second_factor(document=document):
        return second_factor_refusal(request)
    return None


@login_required
@require_GET
@never_cache
def document_list(request):
    documents = selectors.document_list_for_owner(owner=request.user)
    rows = [(d, selectors.document_title(document=d)) for d in documents]
    return render(
        request,
        "documents/document_list.html",
        {"rows": rows, "retention_days": settings.TAKAMATSU_DOCUMENT_RETENTION_DAYS},
    )


@login_required
@require_GET
@never_cache
def document_detail(request, pk):
    document = _get_document_for_user(request, pk)
    if refusal := _second_factor_refusal(request, document):
        return refusal
    refresh_off = request.GET.get("refresh") == "off"
    overdue = timezone.now() - document.created_at > dt.timedelta(seconds=REFRESH_FOR_SECONDS)
    return render(
        request,
        "documents/document_detail.html",
        {
            "document": document,
            "title": selectors.document_title(document=document),
            "return_to": selectors.document_return_to(document=document),
            "refresh_seconds": REFRESH_SECONDS if document.is_pending and not (refresh_off or overdue) else 0,
            "refresh_off": refresh_off,
            "overdue": overdue,
        },
    )


@login_required
@require_GET
@never_cache
def document_download(request, pk):
    document = _get_document_for_user(request, pk)
    if refusal := _second_factor_refusal(request, document):
        return refusal
    if not document.is_ready:
        return redirect("documents:detail", pk=document.pk)
    try:
        pdf = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    logger.info("document downloaded pk=%s owner=%s", document.pk, request.user.pk)
    return FileResponse(
        pdf,
        as_attachment=True,
        filename=selectors.document_filename(document=document),
        content_type="application/pdf",
    )

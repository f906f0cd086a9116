"""Reads of generated documents: the documents app's public interface for views and other apps."""

from __future__ import annotations

import uuid

from .models import Document
from .registry import UnknownDocumentKind, get_renderer


def document_get_for_owner(*, owner, pk: uuid.UUID | str) -> Document:
    """The owner's document; Document.DoesNotExist for anyone else's (callers answer 404, never 403)."""
    return Document.objects.get(pk=pk, owner=owner)


def document_list_for_owner(*, owner, limit: int = 50) -> list[Document]:
    """The owner's most recent documents, newest first."""
    return list(Document.objects.filter(owner=owner).order_by("-created_at")[:limit])


def document_title(*, document: Document) -> str:
    """What the resident calls the document (the registered title; the kind if no longer registered)."""
    try:
        return str(get_renderer(document.kind).title)
    except UnknownDocumentKind:
        return document.kind


def document_filename(*, document: Document) -> str:
    """The download file name (says what the document is, never who it is about)."""
    try:
        return get_renderer(document.kind).filename_for(document)
    except UnknownDocumentKind:
        return f"{document.kind}.pdf"


def document_return_to(*, document: Document) -> tuple[str, str] | None:
    """The page the document's page leads back to, as (url, link text), if its kind names one."""
    try:
        return_to = get_renderer(document.kind).return_to
    except UnknownDocumentKind:
        return None
    found = return_to(document) if return_to else None
    return (found[0], str(found[1])) if found else None


def document_needs_second_factor(*, document: Document) -> bool:
    """Whether the document's kind shows a resident's data to staff or shops (see the registry)."""
    try:
        return get_renderer(document.kind).needs_second_factor(document)
    except UnknownDocumentKind:
        return True  # a kind no longer registered cannot say whom it is for: fail closed

"""The renderers other apps register: one per document kind, with its template under templates/pdf/.

The documents app imports no domain app; a domain app registers its kinds from its AppConfig.ready():

    register_renderer(
        "identity.verification_record",
        template="pdf/identity_verification_record.html",
        context=verification_record_context,  # (document) -> dict, reads what the params refer to
        filename="verification-record.pdf",
        title=_("本人確認情報の控え"),
    )

A kind that shows a resident's data to staff, admins or shops (the official form a clerk prints, a shop's
statement) declares `second_factor=True`, or a function of the document that says so: its pages and its
download then demand the second factor of whoever opens them (apps.core.second_factor), as the staff
pages do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from apps.core.errors import ApplicationError

if TYPE_CHECKING:
    from .models import Document

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
KIND_MAX_LENGTH = 64


class UnknownDocumentKind(ApplicationError):
    code = "unknown_document_kind"
    status = 400


@dataclass(frozen=True)
class Renderer:
    kind: str
    template: str
    context: Callable[[Document], dict[str, Any]]
    filename: str | Callable[[Document], str]
    title: Any  # str or a lazy translation
    # Where the person who asked for the document goes back to from its page: (url, link text), or None for
    # the documents list (a clerk printing a form goes back to the request at the desk, not to a list).
    return_to: Callable[[Document], tuple[str, Any] | None] | None = None
    # Whether opening the document needs the second factor: True for kinds only staff, admins or shops
    # receive, or a function of the document for a kind shared by residents and shops.
    second_factor: bool | Callable[[Document], bool] = False

    def filename_for(self, document: Document) -> str:
        return self.filename(document) if callable(self.filename) else str(self.filename)

    def needs_second_factor(self, document: Document) -> bool:
        return bool(self.second_factor(document) if callable(self.second_factor) else self.second_factor)


_renderers: dict[str, Renderer] = {}


def register_renderer(
    kind: str,
    *,
    template: str,
    context: Callable[[Document], dict[str, Any]],
    filename: str | Callable[[Document], str],
    title: Any,
    return_to: Callable[[Document], tuple[str, Any] | None] | None = None,
    second_factor: bool | Callable[[Document], bool] = False,
) -> Renderer:
    """Register how documents of `kind` are made; registering the same definition again is a no-op."""
    if not KIND_PATTERN.match(kind) or len(kind) > KIND_MAX_LENGTH:
        raise ImproperlyConfigured(f"Document kind {kind!r} must look like 'app.name' (lowercase, ≤ 64).")
    renderer = Renderer(
        kind=kind,
        template=template,
        context=context,
        filename=filename,
        title=title,
        return_to=return_to,
        second_factor=second_factor,
    )
    existing = _renderers.get(kind)
    if existing is not None and existing != renderer:
        raise ImproperlyConfigured(f"Document kind {kind!r} is already registered with another renderer.")
    _renderers[kind] = renderer
    return renderer


def unregister_renderer(kind: str) -> None:
    _renderers.pop(kind, None)


def get_renderer(kind: str) -> Renderer:
    try:
        return _renderers[kind]
    except KeyError:
        raise UnknownDocumentKind(
            f"文書の種類 {kind!r} は登録されていません。", code="unknown_document_kind"
        ) from None


def registered_kinds() -> list[str]:
    return sorted(_renderers)

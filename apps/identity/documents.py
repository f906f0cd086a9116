"""The identity app's documents: the resident's record of their My Number verification (PDF).

`register()` is called from IdentityConfig.ready(); the documents app renders what is registered here and
imports nothing from identity.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.documents.registry import register_renderer
from apps.documents.services import document_request

from .selectors import verification_get

VERIFICATION_RECORD = "identity.verification_record"


def verification_record_context(document) -> dict[str, Any]:
    """What the city keeps about the owner's verification, read when the document is made."""
    return {"verification": verification_get(user=document.owner)}


def verification_record_filename(document) -> str:
    return gettext("本人確認情報の控え") + ".pdf"


def register() -> None:
    """Register the identity document kinds (safe to call more than once)."""
    register_renderer(
        VERIFICATION_RECORD,
        template="pdf/identity_verification_record.html",
        context=verification_record_context,
        filename=verification_record_filename,
        title=_("本人確認情報の控え"),
    )


def verification_record_request(*, user):
    """Queue the record for `user` (the view then redirects to the document's status page)."""
    return document_request(owner=user, kind=VERIFICATION_RECORD, params={})

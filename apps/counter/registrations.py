"""What the counter app registers with the shared services: notification events and PDF renderers."""

from __future__ import annotations

import base64
import io

import segno
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.documents.registry import register_renderer
from apps.notifications.registry import register_event

from . import tokens
from .constants import CERTIFICATES, PURPOSES, FormKind, Relationship
from .forms import labelled_corrections
from .models import CounterRequest


def _request(document) -> CounterRequest:
    return CounterRequest.objects.prefetch_related("corrections").get(pk=document.params["request_id"])


def _labels(req: CounterRequest) -> dict:
    data = req.data
    certs = CERTIFICATES[req.form]
    return {
        "form_title": FormKind(req.form).label,
        "relationship": Relationship(data["relationship"]).label if data.get("relationship") else "",
        "purpose": dict(PURPOSES).get(data.get("purpose"), ""),
        "copies": [(certs[code][0], n) for code, n in (data.get("copies") or {}).items() if code in certs],
    }


def official_form_context(document) -> dict:
    req = _request(document)
    with translation.override("ja"):  # the city's Japanese paper form, whoever prints it
        corrections = labelled_corrections(req)
    return {"req": req, "data": req.data, **_labels(req), "corrections": corrections}


def receipt_context(document) -> dict:
    req = _request(document)
    if req.user_id != document.owner_id:
        raise PermissionError("not the owner's request")
    token = tokens.unseal(req.token_encrypted)
    buffer = io.BytesIO()
    segno.make(tokens.qr_payload(token), error="m").save(buffer, kind="png", scale=8, border=4)
    return {
        "req": req,
        **_labels(req),
        "qr_data_uri": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(),
        "short_code": req.reference,
    }


def back_to_the_desk(document) -> tuple[str, str] | None:
    """From the printed form's page, the clerk goes back to the request at the desk."""
    request_id = document.params.get("request_id")
    if not request_id:
        return None
    return reverse("counter_staff:desk", args=[request_id]), gettext("窓口受付の画面に戻る")


def register() -> None:
    register_event(
        "counter.issued",
        template="counter_issued",
        link=lambda ctx: reverse("counter:detail", args=[ctx["request_id"]]),
    )
    register_event(
        "counter.expiring",
        template="counter_expiring",
        link=lambda ctx: reverse("counter:detail", args=[ctx["request_id"]]),
    )
    register_renderer(
        "counter.official_form",
        template="pdf/counter_official_form.html",
        context=official_form_context,
        filename=lambda document: gettext("窓口申請書") + ".pdf",
        title=_("窓口申請書（印刷用）"),
        return_to=back_to_the_desk,
        second_factor=True,  # the resident's data, printed by a clerk: as the desk, only with the 2nd factor
    )
    register_renderer(
        "counter.receipt",
        template="pdf/counter_receipt.html",
        context=receipt_context,
        filename=lambda document: gettext("窓口で見せる QR コード") + ".pdf",
        title=_("窓口で見せる QR コード"),
    )

"""Resident pages of the no-writing counter: choose a form, fill it (pre-filled), confirm, show the QR."""

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services, tokens
from .answers import answers
from .constants import CERTIFICATES, FormKind, RequestStatus
from .forms import FORMS, labelled_corrections

SIGNING_SALT = "takamatsu.counter.confirm"


@login_required
def request_list(request):
    return render(
        request,
        "counter/request_list.html",
        {"requests": selectors.counter_requests_for_user(user=request.user), "forms": FormKind.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request, form: str):
    form_class = FORMS.get(form)
    if form_class is None:
        raise Http404
    initial, prefilled = selectors.prefill_for(user=request.user)
    if request.method == "POST" and "payload" in request.POST:
        try:
            raw = signing.loads(request.POST["payload"], salt=SIGNING_SALT, max_age=3600)
        except signing.BadSignature:
            messages.error(request, _("確認の期限が切れました。もう一度入力してください。"))
            return redirect("counter:start", form=form)
        bound = form_class(raw)
        if "back" in request.POST or not bound.is_valid():
            return render(
                request, "counter/request_form.html", {"form": bound, "kind": form, "prefilled": prefilled}
            )
        created = services.counter_request_create(
            user=request.user, form=form, cleaned=bound.cleaned_data
        )
        messages.success(request, _("申請書を作成しました。窓口でこの QR コードを見せてください。"))
        return redirect("counter:detail", pk=created.request.pk)
    bound = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and bound.is_valid():
        payload = signing.dumps(
            {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}, salt=SIGNING_SALT
        )
        fee = services.fee_total(form=form, copies=bound.cleaned_data["copies"])
        labels = {code: label for code, (label, _slug) in CERTIFICATES[form].items()}
        copies = [(labels[code], n) for code, n in bound.cleaned_data["copies"].items()]
        return render(
            request,
            "counter/request_confirm.html",
            {"form": bound, "kind": form, "payload": payload, "fee": fee, "copies": copies},
        )
    return render(request, "counter/request_form.html", {"form": bound, "kind": form, "prefilled": prefilled})


@login_required
def request_detail(request, pk):
    counter_request = selectors.counter_request_get_for_user(user=request.user, pk=pk)
    svg = ""
    if counter_request.token_encrypted and not counter_request.is_expired:
        token = tokens.unseal(counter_request.token_encrypted)
        buffer = io.BytesIO()
        segno.make(tokens.qr_payload(token), error="m").save(
            buffer,
            kind="svg",
            scale=6,
            border=4,
            xmldecl=False,
            svgns=True,
            title=_("窓口で読み取る QR コード"),
        )
        svg = buffer.getvalue().decode()
    return render(
        request,
        "counter/request_detail.html",
        {
            "req": counter_request,
            "qr_svg": svg,
            "audit": counter_request.audit_entries.all(),
            "answers": answers(counter_request),
            "corrections": labelled_corrections(counter_request),
            "certificates": CERTIFICATES[counter_request.form],
        },
    )


@login_required
def request_qr_png(request, pk):
    counter_request = selectors.counter_request_get_for_user(user=request.user, pk=pk)
    if not counter_request.token_encrypted or counter_request.is_expired:
        raise Http404
    buffer = io.BytesIO()
    segno.make(tokens.qr_payload(tokens.unseal(counter_request.token_encrypted)), error="m").save(
        buffer, kind="png", scale=10, border=4
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Content-Disposition"] = 'attachment; filename="takamatsu-counter-qr.png"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def request_pdf(request, pk):
    counter_request = selectors.counter_request_get_for_user(user=request.user, pk=pk)
    document = services.counter_receipt_request(user=request.user, request=counter_request)
    return redirect("documents:detail", pk=document.pk)


@login_required
@require_http_methods(["GET", "POST"])
def request_cancel(request, pk):
    """Cancelling asks first: the page says what is lost, and only its own confirmed POST cancels."""
    counter_request = selectors.counter_request_get_for_user(user=request.user, pk=pk)
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        if counter_request.status != RequestStatus.WAITING or counter_request.is_expired:
            messages.error(request, _("この申請は取り消せません。"))
            return redirect("counter:detail", pk=counter_request.pk)
        return render(request, "counter/request_cancel.html", {"req": counter_request})
    if services.counter_request_cancel(user=request.user, pk=counter_request.pk):
        messages.success(request, _("申請を取り消しました。"))
    else:
        messages.error(request, _("この申請は取り消せません。"))
    return redirect("counter:detail", pk=counter_request.pk)

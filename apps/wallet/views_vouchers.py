"""Pages of the premium vouchers: the resident's sales, purchases and payment; the operator's desk.

Operator pages live under /operator/, where the strong-auth middleware demands a second factor; each also
requires the wallet-operator role. The sandbox pages exist only where demo data may (`TAKAMATSU_DEMO`).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import voucher_selectors as selectors
from . import vouchers as services
from .constants import PaymentMethod, ReservationStatus, SaleMode
from .forms_vouchers import PaymentMethodForm, PaymentNumberForm, UnitsForm
from .payment_providers import SandboxProvider, sandbox_enabled
from .roles import wallet_operator_required
from .services import WalletError

SANDBOX_SIGNATURE_HEADER = "X-Sandbox-Signature"


@login_required
def vouchers(request):
    return render(
        request,
        "wallet/vouchers/list.html",
        {
            "rows": selectors.voucher_sales_for_user(user=request.user),
            "reservations": selectors.voucher_reservations_for_user(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def voucher_sale(request, code: str):
    row = selectors.voucher_sale_row(user=request.user, code=code)
    sale = row.sale
    form = UnitsForm(
        request.POST or None, cap=sale.per_person_cap, initial={"idempotency_key": uuid.uuid4().hex}
    )
    status = 200
    if request.method == "POST":
        if row.refusal:  # the page says so already; a crafted POST gets the same answer
            status = 403
        elif not form.is_valid():
            status = 400
        elif "confirm" not in request.POST:
            units = form.cleaned_data["units"]
            return render(
                request,
                "wallet/vouchers/confirm.html",
                {
                    "sale": sale,
                    "data": form.cleaned_data,
                    "amount_due": units * sale.price,
                    "face_total": units * sale.face_value,
                },
            )
        else:
            try:
                if sale.mode == SaleMode.LOTTERY:
                    services.voucher_apply(user=request.user, sale=sale, units=form.cleaned_data["units"])
                else:
                    reservation = services.voucher_reserve(
                        user=request.user,
                        sale=sale,
                        units=form.cleaned_data["units"],
                        idempotency_key=form.cleaned_data["idempotency_key"],
                    )
            except WalletError as exc:
                messages.error(request, exc.detail)
                status = exc.status
                row = selectors.voucher_sale_row(user=request.user, code=code)
            else:
                if sale.mode == SaleMode.LOTTERY:
                    messages.success(request, _("抽選に申し込みました。結果はお知らせでお伝えします。"))
                    return redirect("wallet:vouchers")
                return redirect("wallet:voucher_reservation", pk=reservation.pk)
    return render(request, "wallet/vouchers/sale.html", {"row": row, "form": form}, status=status)


@login_required
def voucher_reservation(request, pk):
    reservation = selectors.voucher_reservation_for_user(user=request.user, pk=pk)
    return render(
        request,
        "wallet/vouchers/reservation.html",
        {"reservation": reservation, "form": PaymentMethodForm(), "sandbox": sandbox_enabled()},
    )


@login_required
@require_POST
def voucher_pay(request, pk):
    reservation = selectors.voucher_reservation_for_user(user=request.user, pk=pk)
    form = PaymentMethodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("支払い方法を選んでください。"))
        return redirect("wallet:voucher_reservation", pk=reservation.pk)
    try:
        reservation, url = services.voucher_payment_start(
            user=request.user, reservation_id=reservation.pk, method=form.cleaned_data["method"]
        )
    except WalletError as exc:
        messages.error(request, exc.detail)
        return redirect("wallet:voucher_reservation", pk=reservation.pk)
    if url:
        return redirect(url)
    return redirect("wallet:voucher_reservation", pk=reservation.pk)


@login_required
@require_POST
def voucher_cancel(request, pk):
    reservation = selectors.voucher_reservation_for_user(user=request.user, pk=pk)
    try:
        services.voucher_reservation_cancel(user=request.user, reservation_id=reservation.pk)
    except WalletError as exc:
        messages.error(request, exc.detail)
        return redirect("wallet:voucher_reservation", pk=reservation.pk)
    messages.success(request, _("予約を取り消しました。"))
    return redirect("wallet:vouchers")


@login_required
def voucher_result(request, pk):
    reservation = selectors.voucher_reservation_for_user(user=request.user, pk=pk)
    return render(request, "wallet/vouchers/result.html", {"reservation": reservation})


@login_required
@require_http_methods(["GET", "POST"])
def voucher_sandbox(request, ref: str):
    """The sandbox provider's hosted card page: paying sends the provider's signed notice to our handler."""
    if not sandbox_enabled():
        raise Http404
    reservation = selectors.voucher_reservation_by_ref_for_user(user=request.user, ref=ref)
    if request.method == "POST":
        paid = request.POST.get("decision") == "pay"
        body, signature = SandboxProvider().notice_make(ref=ref, amount=reservation.amount_due, paid=paid)
        try:
            services.voucher_notice_receive(provider=PaymentMethod.SANDBOX, body=body, signature=signature)
        except WalletError as exc:
            messages.error(request, exc.detail)
        else:
            if not paid:
                messages.warning(request, _("支払いは行われませんでした。"))
        return redirect("wallet:voucher_result", pk=reservation.pk)
    return render(request, "wallet/vouchers/sandbox.html", {"reservation": reservation})


@csrf_exempt  # called by the provider's server, authenticated by the HMAC signature of the body
@require_POST
def voucher_sandbox_notice(request):
    if not sandbox_enabled():
        raise Http404
    try:
        reservation = services.voucher_notice_receive(
            provider=PaymentMethod.SANDBOX,
            body=request.body,
            signature=request.headers.get(SANDBOX_SIGNATURE_HEADER, ""),
        )
    except WalletError as exc:
        return JsonResponse({"error": exc.code, "detail": exc.detail}, status=exc.status)
    return JsonResponse({"reservation": str(reservation.pk), "status": reservation.status})


# --- Operator ----------------------------------------------------------------------------------------


@wallet_operator_required
def operator_vouchers(request):
    query = request.GET.get("q", "")[:20]
    return render(
        request,
        "wallet/vouchers/operator.html",
        {
            **selectors.voucher_operator_overview(query=query),
            "query": query,
            "form": PaymentNumberForm(),
        },
    )


@wallet_operator_required
@require_POST
def operator_voucher_draw(request, code: str):
    sale = selectors.voucher_sale_row(user=request.user, code=code).sale
    try:
        result = services.voucher_draw(sale=sale)
    except WalletError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("抽選しました（当選 %(won)d 人、落選 %(lost)d 人、シード %(seed)s）。")
            % {"won": result.winners, "lost": result.losers, "seed": result.sale.draw_seed},
        )
    return redirect("wallet:operator_vouchers")


@wallet_operator_required
@require_POST
def operator_voucher_confirm(request):
    form = PaymentNumberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("支払い番号を入力してください。"))
        return redirect("wallet:operator_vouchers")
    try:
        reservation = services.voucher_counter_confirm(
            operator=request.user, payment_number=form.cleaned_data["payment_number"]
        )
    except WalletError as exc:
        messages.error(request, exc.detail)
    else:
        if reservation.status == ReservationStatus.PAID:
            messages.success(
                request,
                _("入金を確認しました（%(amount)s 円、%(units)d 冊）。")
                % {"amount": f"{reservation.amount_due:,}", "units": reservation.units},
            )
        elif reservation.status == ReservationStatus.REFUNDED:
            messages.warning(
                request,
                _("この入金は %(date)s に返金済みです（%(amount)s 円）。商品券はお渡しできません。")
                % {
                    "date": date_format(timezone.localtime(reservation.refunded_at), "DATETIME_FORMAT"),
                    "amount": f"{reservation.amount_due:,}",
                },
            )
        elif reservation.status == ReservationStatus.REFUND_DUE:
            messages.warning(
                request,
                _(
                    "入金を受け付けましたが、商品券はお渡しできません（%(reason)s）。"
                    "%(amount)s 円は返金の対象です。"
                )
                % {
                    "reason": reservation.get_refund_reason_display(),
                    "amount": f"{reservation.amount_due:,}",
                },
            )
    return redirect("wallet:operator_vouchers")


@wallet_operator_required
@require_POST
def operator_voucher_refund(request, pk):
    try:
        reservation = services.voucher_refund_record(operator=request.user, reservation_id=pk)
    except WalletError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("返金を記録しました（%(amount)s 円）。") % {"amount": f"{reservation.amount_due:,}"},
        )
    return redirect("wallet:operator_vouchers")

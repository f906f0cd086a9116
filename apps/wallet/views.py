import io
import uuid

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import AmountForm, RefundForm
from .models import Merchant
from .roles import merchant_required
from .services import WalletError


@login_required
def home(request):
    return render(
        request,
        "wallet/home.html",
        {
            "balance": selectors.wallet_balance(user=request.user),
            "history": selectors.wallet_history(user=request.user),
            "next_expiry": selectors.wallet_next_expiry(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def pay(request, code: str):
    merchant = Merchant.objects.filter(code=code, active=True).first()
    if merchant is None:
        raise Http404
    balance = selectors.wallet_balance(user=request.user)
    form = AmountForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex}, balance=balance)
    if request.method == "POST" and form.is_valid():
        if "confirm" not in request.POST:
            return render(
                request,
                "wallet/confirm.html",
                {"merchant": merchant, "form": form, "data": form.cleaned_data},
            )
        try:
            result = services.payment_create(
                user=request.user,
                merchant_code=merchant.code,
                amount=form.cleaned_data["amount"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except WalletError as exc:
            messages.error(request, exc.detail)
        else:
            return redirect("wallet:receipt", pk=result.transaction.pk)
    return render(
        request,
        "wallet/pay.html",
        {"merchant": merchant, "form": form, "balance": balance},
        status=400 if form.errors else 200,
    )


@login_required
def receipt(request, pk):
    payment = selectors.payment_for_payer(user=request.user, pk=pk)
    entry = next(e for e in payment.entries.all() if e.account.merchant_id)
    return render(
        request,
        "wallet/receipt.html",
        {"payment": payment, "merchant": entry.account.merchant, "amount": entry.amount},
    )


def _merchant_or_403(request):
    merchant = selectors.merchant_for_user(user=request.user) if request.user.is_authenticated else None
    if merchant is None:
        raise PermissionDenied
    return merchant


@merchant_required
def merchant_home(request):
    merchant = _merchant_or_403(request)
    buffer = io.BytesIO()
    pay_url = request.build_absolute_uri(reverse("wallet:pay", args=[merchant.code]))
    segno.make(pay_url, error="m").save(
        buffer, kind="svg", scale=6, border=4, xmldecl=False, svgns=True, title=merchant.name
    )
    payments = [{**row, "key": uuid.uuid4().hex} for row in selectors.merchant_payments(merchant=merchant)]
    return render(
        request,
        "wallet/merchant.html",
        {
            "merchant": merchant,
            "qr_svg": buffer.getvalue().decode(),
            "pay_url": pay_url,
            "payments": payments,
            "balance": services.merchant_account(merchant=merchant).balance,
        },
    )


@merchant_required
@require_POST
def merchant_refund(request, pk):
    """A refund asks first (the amount, the payment, its number); only the confirmed POST refunds."""
    merchant = _merchant_or_403(request)
    payment = selectors.merchant_payment(merchant=merchant, pk=pk)
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("返金額を正しく入力してください。"))
        return redirect("wallet:merchant")
    if request.POST.get("confirm") != "yes":
        context = {"merchant": merchant, "payment": payment, "data": form.cleaned_data}
        return render(request, "wallet/refund_confirm.html", context)
    try:
        services.payment_refund(merchant=merchant, payment_id=pk, **form.cleaned_data)
        messages.success(request, _("返金しました。"))
    except WalletError as exc:
        messages.error(request, exc.detail)
    return redirect("wallet:merchant")

"""Pages of the wallet operator (merchant onboarding, settlements) and the statement requests.

Each operator view requires the wallet-operator role, then the second factor (the strong-auth middleware
also demands it under /operator/). Statements: residents at /wallet/statements/, shops at
/merchant/statements/ (second factor too, and for the shop's PDF); the documents app shows and serves it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import merchants, selectors, settlements, statements
from .forms_operator import MerchantForm, SettlementPeriodForm, StatementForm
from .roles import merchant_required, wallet_operator_required
from .services import WalletError

# --- merchants --------------------------------------------------------------------------------------


@wallet_operator_required
@require_GET
def operator_merchants(request):
    rows = [(m, merchants.has_bank_details(m)) for m in selectors.merchant_list()]
    return render(request, "wallet/operator/merchants.html", {"rows": rows})


@wallet_operator_required
@require_http_methods(["GET", "POST"])
def operator_merchant_new(request):
    form = MerchantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            merchant = merchants.merchant_onboard(
                operator=request.user,
                code=form.cleaned_data["code"],
                owner_email=form.cleaned_data["owner_email"],
                details=form.details(),
                request=request,
            )
        except WalletError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("加盟店「%(name)s」を登録しました。") % {"name": merchant.name})
            return redirect("wallet:operator_merchants")
    status = 400 if form.errors else 200
    return render(
        request, "wallet/operator/merchant_form.html", {"form": form, "merchant": None}, status=status
    )


@wallet_operator_required
@require_http_methods(["GET", "POST"])
def operator_merchant_edit(request, code: str):
    merchant = selectors.merchant_for_operator(code=code)
    form = MerchantForm(request.POST or None, merchant=merchant)
    if request.method == "POST" and form.is_valid():
        merchants.merchant_update(operator=request.user, merchant=merchant, details=form.details())
        messages.success(request, _("加盟店「%(name)s」を更新しました。") % {"name": merchant.name})
        return redirect("wallet:operator_merchants")
    status = 400 if form.errors else 200
    return render(
        request, "wallet/operator/merchant_form.html", {"form": form, "merchant": merchant}, status=status
    )


@wallet_operator_required
@require_POST
def operator_merchant_active(request, code: str):
    merchant = selectors.merchant_for_operator(code=code)
    active = request.POST.get("active") == "1"
    merchants.merchant_active_set(operator=request.user, merchant=merchant, active=active)
    if active:
        messages.success(request, _("加盟店「%(name)s」の利用を再開しました。") % {"name": merchant.name})
    else:
        messages.success(request, _("加盟店「%(name)s」の利用を停止しました。") % {"name": merchant.name})
    return redirect("wallet:operator_merchants")


# --- settlements ------------------------------------------------------------------------------------


@wallet_operator_required
@require_http_methods(["GET", "POST"])
def operator_settlements(request):
    run = None
    if request.method == "POST":
        run = settlements.settlement_run(operator=request.user)
        if run.settled:
            messages.success(
                request,
                _("%(count)s 件、合計 %(total)s ポイントを精算しました。")
                % {"count": len(run.settled), "total": f"{run.total:,}"},
            )
        else:
            messages.success(request, _("精算する残高はありませんでした。"))
    period = SettlementPeriodForm(request.GET or None)
    recent = selectors.settlement_list(limit=100)
    return render(
        request,
        "wallet/operator/settlements.html",
        {"run": run, "period": period, "settlements": recent, "today": timezone.localdate()},
    )


@wallet_operator_required
@require_GET
def operator_settlements_csv(request):
    period = SettlementPeriodForm(request.GET)
    if not period.is_valid():
        return render(
            request,
            "wallet/operator/settlements.html",
            {"period": period, "settlements": selectors.settlement_list(limit=100)},
            status=400,
        )
    rows = selectors.settlement_list(date_from=period.cleaned_data["from"], date_to=period.cleaned_data["to"])
    response = HttpResponse(
        settlements.settlement_csv(settlements=rows), content_type="text/csv; charset=utf-8"
    )
    name = f"settlements-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- statements -------------------------------------------------------------------------------------


def _statement_page(request, *, merchant=None):
    form = StatementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        document = statements.statement_request(
            user=request.user, month=form.cleaned_data["month"], merchant=merchant
        )
        return redirect("documents:detail", pk=document.pk)
    status = 400 if form.errors else 200
    return render(
        request, "wallet/operator/statements.html", {"form": form, "merchant": merchant}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def statements_resident(request):
    return _statement_page(request)


@merchant_required
@require_http_methods(["GET", "POST"])
def statements_merchant(request):
    merchant = selectors.merchant_for_user(user=request.user)
    if merchant is None:
        raise PermissionDenied
    return _statement_page(request, merchant=merchant)

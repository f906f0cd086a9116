"""Pages of the point campaigns: what a resident can earn, and the operator's overview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import campaigns
from .campaigns import CampaignError
from .constants import CampaignKind
from .forms_campaigns import CodeForm, StepsForm, StepsImportForm
from .roles import wallet_operator_required


def _page(
    request,
    *,
    steps_form=None,
    code_form=None,
    import_form=None,
    import_result=None,
    failed_code=None,
    status=200,
):
    rows = campaigns.campaigns_for_user(user=request.user)
    for row in rows:
        code = row["campaign"].code
        mine = failed_code == code
        row["steps_form"] = steps_form if mine and steps_form else StepsForm(prefix=code)
        row["code_form"] = code_form if mine and code_form else CodeForm(prefix=code)
        row["import_form"] = import_form if mine and import_form else StepsImportForm(prefix=code)
        row["import_result"] = import_result if mine else None
    return render(
        request,
        "wallet/campaigns/list.html",
        {
            "rows": rows,
            "awards": campaigns.campaign_awards_for_user(user=request.user),
            "verified": request.user.is_my_number_verified,
            "kinds": CampaignKind,
        },
        status=status,
    )


def _done(request, result) -> None:
    if result.replayed:
        messages.info(request, _("このポイントは受け取り済みです。"))
    else:
        messages.success(
            request, _("%(points)s ポイントを受け取りました。") % {"points": f"{result.award.amount:,}"}
        )


@login_required
@require_GET
def campaign_list(request):
    return _page(request)


@login_required
@require_POST
def campaign_claim(request, code: str):
    campaign = campaigns.campaign_running_or_404(code=code)
    try:
        _done(request, campaigns.campaign_verification_claim(campaign=campaign, user=request.user))
    except CampaignError as exc:
        messages.error(request, exc.detail)
    return redirect("wallet:campaigns")


@login_required
@require_POST
def campaign_steps(request, code: str):
    campaign = campaigns.campaign_running_or_404(code=code)
    form = StepsForm(request.POST, prefix=campaign.code)
    if not form.is_valid():
        return _page(request, steps_form=form, failed_code=campaign.code, status=400)
    try:
        result = campaigns.campaign_steps_record(
            campaign=campaign,
            user=request.user,
            day=form.cleaned_data["day"],
            steps=form.cleaned_data["steps"],
        )
    except CampaignError as exc:
        messages.error(request, exc.detail)
    else:
        _done(request, result)
    return redirect("wallet:campaigns")


@login_required
@require_POST
def campaign_steps_import(request, code: str):
    campaign = campaigns.campaign_running_or_404(code=code)
    form = StepsImportForm(request.POST, request.FILES, prefix=campaign.code)
    if not form.is_valid():
        return _page(request, import_form=form, failed_code=campaign.code, status=400)
    try:
        result = campaigns.campaign_steps_import(
            campaign=campaign, user=request.user, data=form.cleaned_data["file"]
        )
    except CampaignError as exc:
        if exc.code != "invalid_steps_file":
            messages.error(request, exc.detail)
            return redirect("wallet:campaigns")
        form.add_error("file", exc.detail)
        return _page(request, import_form=form, failed_code=campaign.code, status=400)
    # Shown at once rather than after a redirect: sending the same file again gives nothing new.
    return _page(request, import_result=result, failed_code=campaign.code)


@login_required
@require_POST
def campaign_join(request, code: str):
    campaign = campaigns.campaign_running_or_404(code=code)
    form = CodeForm(request.POST, prefix=campaign.code)
    if not form.is_valid():
        return _page(request, code_form=form, failed_code=campaign.code, status=400)
    try:
        result = campaigns.campaign_code_redeem(
            campaign=campaign, user=request.user, code=form.cleaned_data["code"]
        )
    except CampaignError as exc:
        messages.error(request, exc.detail)
    else:
        _done(request, result)
    return redirect("wallet:campaigns")


@wallet_operator_required
@require_GET
def operator_campaigns(request):
    return render(
        request,
        "wallet/campaigns/operator.html",
        {"campaigns": campaigns.campaigns_overview(), "problems": campaigns.campaigns_reconcile()},
    )

from pathlib import Path

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.webauthn.views import RemoveWebAuthnView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.errors import ApplicationError
from apps.core.signals import account_deletion_notes

from . import oidc, selectors, services
from .constants import result_message
from .forms import AccountDeleteForm, DemoCardForm, KeepBasicInfoForm, LanguageForm
from .jpki_client import InProcessTransport, JPKIPhoneClient
from .jpki_testca import DemoCard

OIDC_SESSION_KEY = "identity.oidc.pending"


def _failure(code: str) -> str:
    return _("本人確認できませんでした。%(reason)s（コード: %(code)s）") % {
        "reason": result_message(code),
        "code": code,
    }


def _verified_message(request, verification) -> None:
    if verification.is_takamatsu_resident:
        messages.success(request, _("本人確認が完了しました。マイナンバーカードで確認済みの高松市民です。"))
    else:
        messages.info(
            request, _("本人確認が完了しました。住所が高松市外のため、市民向けの一部の機能は使えません。")
        )


@login_required
def verify(request):
    return render(
        request,
        "identity/verify.html",
        {
            "verification": selectors.verification_get(user=request.user),
            "demo_form": DemoCardForm(cards=selectors.demo_card_names(), prefix="demo"),
            "oidc_form": KeepBasicInfoForm(prefix="oidc"),
            "demo_enabled": bool(selectors.demo_card_names()),
            "oidc_enabled": oidc.configured(),
            "app_store_url": settings.TAKAMATSU_APP_STORE_URL,
            "google_play_url": settings.TAKAMATSU_GOOGLE_PLAY_URL,
            "auth_app_info_url": settings.TAKAMATSU_AUTH_APP_INFO_URL,
        },
    )


@login_required
@require_POST
def verify_with_demo_card(request):
    cards = selectors.demo_card_names()
    if not cards:
        raise Http404
    form = DemoCardForm(request.POST, cards=cards, prefix="demo")
    if not form.is_valid():
        messages.error(request, _("カードを選んでください。"))
        return redirect("identity:verify")
    card = DemoCard.load(Path(settings.TAKAMATSU_DEMO_CARDS_DIR), form.cleaned_data["card"])
    client = JPKIPhoneClient(InProcessTransport(request))
    status, body = client.verify(card, keep_basic_info=form.cleaned_data["keep_basic_info"])
    if status != 200:
        messages.error(request, _failure(str(body.get("error", status))))
        return redirect("identity:verify")
    _verified_message(request, selectors.verification_get(user=request.user))
    return redirect("identity:profile")


@login_required
@require_POST
def oidc_start(request):
    form = KeepBasicInfoForm(request.POST, prefix="oidc")
    form.is_valid()
    try:
        url, pending = oidc.authorization_start(
            redirect_uri=request.build_absolute_uri(reverse("identity:oidc_callback"))
        )
    except ApplicationError as exc:
        messages.error(request, exc.detail)
        return redirect("identity:verify")
    pending["keep_basic_info"] = form.cleaned_data.get("keep_basic_info", False)
    request.session[OIDC_SESSION_KEY] = pending
    return redirect(url)


@login_required
def oidc_callback(request):
    pending = request.session.pop(OIDC_SESSION_KEY, None)
    if request.GET.get("error"):
        services.oidc_failure_record(user=request.user, code="oidc_denied")
        messages.error(request, _("デジタル認証アプリでの確認が取り消されました。"))
        return redirect("identity:verify")
    try:
        claims = oidc.authorization_finish(
            pending=pending or {},
            callback_url=request.build_absolute_uri(),
            state=request.GET.get("state", ""),
        )
        verification = services.oidc_verification_record(
            user=request.user, claims=claims, keep_basic_info=bool((pending or {}).get("keep_basic_info"))
        )
    except ApplicationError as exc:
        if exc.code.startswith("oidc_"):
            services.oidc_failure_record(user=request.user, code=exc.code)
        messages.error(
            request,
            _("本人確認できませんでした（%(code)s）: %(detail)s") % {"code": exc.code, "detail": exc.detail},
        )
        return redirect("identity:verify")
    _verified_message(request, verification)
    return redirect("identity:profile")


@login_required
def profile(request):
    return render(
        request,
        "identity/profile.html",
        {
            "verification": selectors.verification_get(user=request.user),
            "attempts": selectors.verification_attempts(user=request.user),
            "language_form": LanguageForm(initial={"preferred_language": request.user.preferred_language}),
            "roles": selectors.user_roles(user=request.user),
        },
    )


@login_required
@require_POST
def language_set(request):
    form = LanguageForm(request.POST)
    if form.is_valid():
        services.user_language_set(user=request.user, language=form.cleaned_data["preferred_language"])
        messages.success(request, _("お知らせのメールと書類の言語を変更しました。"))
    else:
        messages.error(request, " ".join(form.errors["preferred_language"]))
    return redirect("identity:profile")


@login_required
@require_POST
def basic_info_delete(request):
    services.verification_basic_info_delete(user=request.user)
    messages.success(request, _("保存していた氏名・住所・生年月日・性別を削除しました。"))
    return redirect("identity:profile")


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        try:
            services.account_delete(user=user)
        except services.AccountDeletionRefused:
            pass  # the page below lists what must be settled first
        else:
            logout(request)
            messages.success(request, _("アカウントを削除しました。ご利用ありがとうございました。"))
            return redirect("home")
    notes = account_deletion_notes(user=request.user)
    return render(
        request,
        "identity/account_delete.html",
        {
            "form": form,
            "blocking": [n.message for n in notes if n.blocks],
            "losses": [n.message for n in notes if not n.blocks],
        },
    )


@login_required
@require_POST
def verification_record_pdf(request):
    from .documents import verification_record_request

    if selectors.verification_get(user=request.user) is None:
        raise Http404
    document = verification_record_request(user=request.user)
    return redirect("documents:detail", pk=document.pk)


class SecurityKeyRemoveView(RemoveWebAuthnView):
    """allauth's removal of a security key, which (unlike deactivating the app) does not ask the MFA adapter
    whether the authenticator may go: the last second factor of a staff, admin or shop account stays."""

    def _refusal(self):
        adapter = get_mfa_adapter()
        if adapter.can_delete_authenticator(self.get_object()):
            return None
        messages.error(self.request, adapter.error_messages["cannot_delete_authenticator"])
        return redirect("mfa_list_webauthn")

    def get(self, request, *args, **kwargs):
        return self._refusal() or super().get(request, *args, **kwargs)

    def form_valid(self, form):
        return self._refusal() or super().form_valid(form)


security_key_remove = SecurityKeyRemoveView.as_view()

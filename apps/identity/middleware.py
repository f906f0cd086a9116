"""Strong authentication for staff, admin, merchant and operator pages (SPEC §3.2, §5).

Users holding such a role reach those pages only in a session where a second factor was used; without
an authenticator they are sent to set one up first.
"""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .constants import STRONG_AUTH_ROLES


def needs_strong_auth(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=[r.value for r in STRONG_AUTH_ROLES]).exists()


def used_second_factor(request) -> bool:
    return any(r.get("method") == "mfa" for r in get_authentication_records(request, request.user))


class StrongAuthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.TAKAMATSU_STRONG_AUTH_PREFIXES)

    def _protected(self, path: str) -> bool:
        for code, _name in settings.LANGUAGES:
            if path.startswith(f"/{code}/"):
                path = path[len(code) + 1 :]
                break
        return path.startswith(self.prefixes)

    def __call__(self, request):
        if self._protected(request.path) and needs_strong_auth(request.user):
            query = urlencode({"next": request.get_full_path()})
            if not Authenticator.objects.filter(
                user=request.user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
            ).exists():
                messages.warning(
                    request,
                    _(
                        "職員・管理者・加盟店のページを使うには、2段階認証の設定が必要です。"
                        "まず認証アプリを設定してください（セキュリティキーは、そのあと「2段階認証」のページで追加できます）。"
                    ),
                )
                return redirect(f"{reverse('mfa_activate_totp')}?{query}")
            if not used_second_factor(request):
                return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
        return self.get_response(request)

"""The second factor that every staff, admin, merchant and operator page demands (SPEC §3.2, §5): one rule.

A session holds the second factor when the account still has an authenticator app (TOTP) or a security key
(WebAuthn) and a second factor was used in this session (at login, or by re-authenticating). Recovery codes
alone are no second factor: allauth deletes them with the last authenticator.

This module is the rule and its refusals; who must hold it is decided where a page says whom it is for:
identity's StrongAuthMiddleware for the role holders' path prefixes, the role decorators of the desk, the
shop and the operator pages, the staff API, and the documents app for the kinds whose renderer declares it.
It lives in core so that documents (which imports no domain app) applies the same rule.
"""

from __future__ import annotations

import enum

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .errors import ApplicationError

# What counts as a second factor a role holder keeps.
FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


class Missing(enum.Enum):
    SETUP = "setup"  # the account has no authenticator: set one up first
    USE = "use"  # it has one, but this session was opened without it


class SecondFactorRequired(ApplicationError):
    code = "second_factor_required"
    status = 403


def second_factor_count(*, user, excluding: Authenticator | None = None) -> int:
    """How many second factors (authenticator apps, security keys) the account has."""
    found = Authenticator.objects.filter(user_id=user.pk, type__in=FACTOR_TYPES)
    if excluding is not None:
        found = found.exclude(pk=excluding.pk)
    return found.count()


def second_factor_missing(request: HttpRequest) -> Missing | None:
    """What this session lacks of the second factor, or None when it holds it."""
    user = request.user
    if not user.is_authenticated or not second_factor_count(user=user):
        return Missing.SETUP
    if not any(r.get("method") == "mfa" for r in get_authentication_records(request, user)):
        return Missing.USE
    return None


def second_factor_refusal(request: HttpRequest) -> HttpResponse | None:
    """None when the session holds the second factor; else the redirect that gets it, back here after."""
    missing = second_factor_missing(request)
    if missing is None:
        return None
    query = urlencode({"next": request.get_full_path()})
    if missing is Missing.SETUP:
        messages.warning(
            request,
            _(
                "職員・管理者・加盟店のページを使うには、2段階認証の設定が必要です。"
                "まず認証アプリを設定してください（セキュリティキーは、そのあと「2段階認証」のページで追加できます）。"
            ),
        )
        return redirect(f"{reverse('mfa_activate_totp')}?{query}")
    return redirect(f"{reverse('mfa_reauthenticate')}?{query}")


def second_factor_check(request: HttpRequest) -> None:
    """The API's form of the rule: raise SecondFactorRequired (403) unless the session holds it."""
    if second_factor_missing(request) is not None:
        raise SecondFactorRequired(_("2段階認証が必要です。"))

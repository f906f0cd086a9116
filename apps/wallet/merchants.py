"""Merchant onboarding by the wallet operator: part of the wallet app's public interface (SPEC §3.4).

The operator registers a shop with where the city pays its settlements; the owner is an existing account
or a new one created without a password and invited by the password-reset e-mail of allauth (through our
outbox, like every allauth mail). The owner gets the merchant role and the shop its ledger account.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.identity.constants import Role
from apps.notifications.registry import register_event
from apps.notifications.services import notify

from .models import Merchant
from .services import WalletError, merchant_account

logger = logging.getLogger(__name__)

# What the operator may change after onboarding; the code stays (it is in the shop's printed QR code).
DETAIL_FIELDS = (
    "name",
    "address",
    "contact_email",
    "bank_code",
    "branch_code",
    "account_type",
    "account_number",
    "account_holder",
)
BANK_FIELDS = ("bank_code", "branch_code", "account_type", "account_number", "account_holder")

CODE_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")
RESERVED_CODES = {"new"}  # /operator/merchants/new/ is the onboarding page
# Characters a Japanese bank accepts in an account holder's name (全銀協の口座名義), after NFKC.
HOLDER_PATTERN = re.compile(r"^[\u30a1-\u30f6\u30fc A-Z0-9().,\-/]+$")
SMALL_KANA = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")


def digits_normalize(value: str) -> str:
    """Full-width digits and stray spaces as people type them in Japan: "０１２３ " → "0123"."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value or ""))


def holder_normalize(value: str) -> str:
    """The holder's name as banks keep it: full-width katakana, capital letters, small kana made large."""
    text = unicodedata.normalize("NFKC", value or "").upper().translate(SMALL_KANA)
    return re.sub(r"\s+", " ", text).strip()


def holder_is_valid(value: str) -> bool:
    return bool(HOLDER_PATTERN.match(value))


def has_bank_details(merchant: Merchant) -> bool:
    return all(getattr(merchant, name) for name in BANK_FIELDS)


def _owner_for(*, email: str):
    """The account with this e-mail address, or a new one without a usable password (invited by mail)."""
    User = get_user_model()
    email = email.strip()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(email=email, password=None)
    # Verified: the invitee sets the password only through the link sent to this address.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user, True


def _merchant_role_add(user) -> None:
    group, _created = Group.objects.get_or_create(name=Role.MERCHANT.value)
    user.groups.add(group)


def _merchant_role_drop_if_unused(user) -> None:
    if not Merchant.objects.filter(owner=user, active=True).exists():
        user.groups.remove(*Group.objects.filter(name=Role.MERCHANT.value))


def _invite(*, request, user) -> None:
    """allauth's password-reset mail: the new owner chooses a password from the link in it."""
    form = ResetPasswordForm(data={"email": user.email})
    if not form.is_valid():  # pragma: no cover - the address was validated by our form
        raise WalletError(_("招待メールを送れませんでした。"), code="invitation_failed")
    form.save(request)


def merchant_onboard(*, operator, code: str, owner_email: str, details: dict, request=None) -> Merchant:
    """Register a shop: owner (existing or invited), merchant role, ledger account, who onboarded it."""
    code = (code or "").strip().lower()
    if not CODE_PATTERN.match(code) or code in RESERVED_CODES:
        raise WalletError(
            _("加盟店コードは半角英小文字・数字・ハイフンで入力してください。"), code="invalid_code"
        )
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise WalletError(f"unknown merchant fields: {sorted(unknown)}", code="invalid_fields")
    try:
        with transaction.atomic():
            owner, created = _owner_for(email=owner_email)
            merchant = Merchant.objects.create(code=code, owner=owner, onboarded_by=operator, **details)
            merchant_account(merchant=merchant)
            _merchant_role_add(owner)
            if created and request is not None:
                _invite(request=request, user=owner)
            notify(
                recipient=owner,
                event="wallet.merchant_onboarded",
                context={"merchant_name": merchant.name, "invited": created},
                dedupe_key=f"wallet.merchant_onboarded:{merchant.pk}",
            )
    except IntegrityError:
        if Merchant.objects.filter(code=code).exists():
            raise WalletError(_("この加盟店コードはすでに使われています。"), code="code_taken") from None
        raise
    logger.info("merchant onboarded pk=%s operator=%s new_owner=%s", merchant.pk, operator.pk, created)
    return merchant


def merchant_update(*, operator, merchant: Merchant, details: dict) -> Merchant:
    """Change a shop's name, address, contact or bank details (the code and owner stay)."""
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise WalletError(f"unknown merchant fields: {sorted(unknown)}", code="invalid_fields")
    Merchant.objects.filter(pk=merchant.pk).update(**details)
    merchant.refresh_from_db()
    logger.info("merchant updated pk=%s operator=%s fields=%s", merchant.pk, operator.pk, sorted(details))
    return merchant


@transaction.atomic
def merchant_active_set(*, operator, merchant: Merchant, active: bool) -> Merchant:
    """Stop (or resume) payments to a shop; its balance is still settled, its ledger stays."""
    Merchant.objects.filter(pk=merchant.pk).update(active=active)
    merchant.refresh_from_db()
    if active:
        _merchant_role_add(merchant.owner)
    else:
        _merchant_role_drop_if_unused(merchant.owner)
    logger.info("merchant active=%s pk=%s operator=%s", active, merchant.pk, operator.pk)
    return merchant


# Registered at import (statements.py imports this module from the app's ready()).
register_event(
    "wallet.merchant_onboarded",
    template="wallet_merchant_onboarded",
    link=lambda ctx: reverse("wallet:merchant"),
)

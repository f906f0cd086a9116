"""Writes for accounts, roles and My Number verification: the identity app's public interface."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.core.signals import account_deletion_notes, identity_verified
from apps.documents.services import document_delete_for_owner
from apps.notifications.services import notify

from . import crls, jpki
from .constants import ROLE_PERMISSIONS, Role
from .models import (
    CARD_IN_ONE_ACCOUNT,
    IdentityVerification,
    JPKIChallenge,
    User,
    VerificationAttempt,
    VerificationMethod,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def role_groups_ensure() -> None:
    """Create the role groups and give them exactly their permissions (safe to run again; every migrate
    runs it, see apps.py)."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in ROLE_PERMISSIONS.get(role, []):
            app_label, codename = dotted.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


@transaction.atomic
def user_roles_set(*, user: User, roles: list[Role]) -> None:
    """Give the user exactly these roles; staff roles also open the admin site."""
    user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
    user.is_staff = any(r in (Role.CATALOGUE_ADMIN, Role.WALLET_OPERATOR) for r in roles)
    user.save(update_fields=["is_staff"])


# --- My Number verification -------------------------------------------------------------------------


def _attempt_record(*, user: User | None, method: str, result: str) -> None:
    VerificationAttempt.objects.create(user=user, method=method, result=result)
    logger.info("verification attempt user=%s method=%s result=%s", getattr(user, "pk", None), method, result)


def jpki_challenge_create(*, user: User) -> JPKIChallenge:
    """A fresh single-use nonce (32 random bytes) for the card to sign."""
    now = timezone.now()
    return JPKIChallenge.objects.create(
        user=user,
        nonce=secrets.token_bytes(32),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.TAKAMATSU_JPKI_CHALLENGE_SECONDS),
    )


def _b64(value: str, *, field: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ApplicationError(
            _("%(field)s: base64 として読み取れません。") % {"field": field}, code="invalid_encoding"
        ) from exc


def _challenge_claim(*, user: User, challenge_id: str) -> JPKIChallenge:
    """Use the challenge up: one conditional update, so a replay racing the first use loses."""
    try:
        pk = uuid.UUID(str(challenge_id))
    except ValueError:
        raise ApplicationError(
            _("チャレンジが見つかりません。"), code="challenge_not_found", status=404
        ) from None
    now = timezone.now()
    claimed = JPKIChallenge.objects.filter(pk=pk, user=user, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    challenge = JPKIChallenge.objects.filter(pk=pk, user=user).first()
    if challenge is None:
        raise ApplicationError(_("チャレンジが見つかりません。"), code="challenge_not_found", status=404)
    if claimed == 1:
        return challenge
    if challenge.used_at is not None:
        raise jpki.JPKIError(_("このチャレンジは使用済みです。"), code="challenge_used")
    raise jpki.JPKIError(_("チャレンジの有効期限（5分）が切れています。"), code="challenge_expired")


def card_hash(issuer_serial: str) -> str:
    return salted_hmac("takamatsu.identity.card", issuer_serial, algorithm="sha256").hexdigest()


@transaction.atomic
def _verification_save(
    *, user: User, method: str, identity: jpki.CardIdentity, keep_basic_info: bool
) -> IdentityVerification:
    hashed = card_hash(identity.issuer_serial) if identity.issuer_serial else ""
    if hashed and IdentityVerification.objects.filter(card_hash=hashed).exclude(user=user).exists():
        raise _card_in_use()
    kept = {
        "name": identity.name,
        "name_alt": identity.name_alt,
        "address": identity.address,
        "address_alt": identity.address_alt,
        "birth_date": identity.birth_date,
        "gender": identity.gender,
    }
    if not keep_basic_info:
        kept = {k: (None if k == "birth_date" else "") for k in kept}
    try:
        # The check above answers the common case; the unique constraint decides a race between two
        # accounts verifying one card at the same moment (the loser waits for the winner's commit).
        with transaction.atomic():
            verification, _created = IdentityVerification.objects.update_or_create(
                user=user,
                defaults={
                    "method": method,
                    "level": "card",
                    "verified_at": timezone.now(),
                    "certificate_expires_at": identity.certificate_expires_at,
                    "card_hash": hashed,
                    "is_takamatsu_resident": identity.is_takamatsu_resident,
                    "basic_info_kept": keep_basic_info,
                    **kept,
                },
            )
    except IntegrityError as exc:
        if not _is_card_in_one_account(exc):
            raise
        raise _card_in_use() from None
    return verification


def _card_in_use() -> ApplicationError:
    return ApplicationError(
        _("このカードは別のアカウントの本人確認に使われています。"), code="card_in_use", status=409
    )


def _is_card_in_one_account(exc: IntegrityError) -> bool:
    # PostgreSQL names the constraint; SQLite names the column of the unique index.
    message = str(exc)
    return CARD_IN_ONE_ACCOUNT in message or "identity_identityverification.card_hash" in message


def jpki_verify(
    *,
    user: User,
    challenge_id: str,
    certificate: str,
    intermediates: list[str],
    signature: str,
    keep_basic_info: bool = True,
    method: str = VerificationMethod.JPKI,
) -> IdentityVerification:
    """Verify a card's signature over our nonce and record the verification; JPKIError on failure.

    The raw certificate is used here and then dropped: only what SPEC §3.2 lists is kept.
    """
    try:
        cert_der = _b64(certificate, field="certificate")
        chain = [_b64(c, field="intermediates") for c in intermediates]
        sig = _b64(signature, field="signature")
        challenge = _challenge_claim(user=user, challenge_id=challenge_id)
        identity = jpki.verify_card_signature(
            nonce=bytes(challenge.nonce),
            certificate=cert_der,
            intermediates=chain,
            signature=sig,
            fetched_crls=_fetched_crls(),
        )
        verification = _verification_save(
            user=user, method=method, identity=identity, keep_basic_info=keep_basic_info
        )
    except ApplicationError as exc:
        _attempt_record(user=user, method=method, result=exc.code)
        raise
    _attempt_record(user=user, method=method, result="verified")
    _verified_notify(verification)
    return verification


def _fetched_crls() -> tuple[bytes, ...]:
    try:
        return crls.crls_for_verification()
    except crls.CRLUnavailable as exc:
        raise jpki.JPKIError(
            _("失効情報（CRL）を取得できないため、現在本人確認を行えません。時間をおいてお試しください。"),
            code="verification_unavailable",
            status=503,
        ) from exc


def _verified_notify(verification: IdentityVerification) -> None:
    notify(
        recipient=verification.user,
        event="identity.verified",
        context={"resident": verification.is_takamatsu_resident},
    )
    identity_verified.send(sender=IdentityVerification, user=verification.user)  # e.g. a points bonus


def jpki_challenges_purge(*, now: dt.datetime | None = None) -> int:
    """Delete JPKI challenges a day past their expiry: a nonce is worth nothing once it can no longer be
    answered, and an answer to a deleted one is still refused (challenge_not_found)."""
    now = now or timezone.now()
    deleted, _per_model = JPKIChallenge.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    return deleted


def certificate_expiry_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind residents 30 days before their card's signature certificate lapses (once per expiry date)."""
    now = now or timezone.now()
    due = IdentityVerification.objects.filter(
        certificate_expires_at__gt=now,
        certificate_expires_at__lte=now + dt.timedelta(days=settings.TAKAMATSU_CERTIFICATE_REMINDER_DAYS),
    ).select_related("user")
    sent = 0
    for verification in due:
        expires_on = timezone.localdate(verification.certificate_expires_at).isoformat()
        if notify(
            recipient=verification.user,
            event="identity.certificate_expiring",
            context={"expires_on": expires_on},
            dedupe_key=f"certificate-expiry:{expires_on}",
        ):
            sent += 1
    return sent


def oidc_verification_record(
    *, user: User, claims: dict, keep_basic_info: bool = True
) -> IdentityVerification:
    """Record a verification by the digital authentication app from its checked ID-token/userinfo claims."""
    address = claims.get("address") or ""
    if isinstance(address, dict):
        address = address.get("formatted") or "".join(
            str(address.get(k, "")) for k in ("region", "locality", "street_address")
        )
    birth = None
    if claims.get("birthdate"):
        try:
            birth = dt.date.fromisoformat(str(claims["birthdate"]))
        except ValueError:
            birth = None
    gender = {"male": "1", "female": "2"}.get(str(claims.get("gender", "")), str(claims.get("gender", "")))
    identity = jpki.CardIdentity(
        name=str(claims.get("name", "")),
        name_alt="",
        address=str(address),
        address_alt="",
        birth_date=birth,
        gender=gender,
        certificate_expires_at=None,  # type: ignore[arg-type]
        issuer_serial=f"oidc#{claims.get('iss', '')}#{claims.get('sub', '')}",
    )
    try:
        verification = _verification_save(
            user=user, method=VerificationMethod.OIDC, identity=identity, keep_basic_info=keep_basic_info
        )
    except ApplicationError as exc:
        _attempt_record(user=user, method=VerificationMethod.OIDC, result=exc.code)
        raise
    _attempt_record(user=user, method=VerificationMethod.OIDC, result="verified")
    _verified_notify(verification)
    return verification


def oidc_failure_record(*, user: User, code: str) -> None:
    _attempt_record(user=user, method=VerificationMethod.OIDC, result=code)


@transaction.atomic
def verification_basic_info_delete(*, user: User) -> None:
    """Erase the kept 基本4情報; the verified status itself stays."""
    IdentityVerification.objects.filter(user=user).update(
        basic_info_kept=False, name="", name_alt="", address="", address_alt="", birth_date=None, gender=""
    )


def user_language_set(*, user: User, language: str) -> None:
    """The language of the person's e-mails, messages and PDFs (the pages follow the URL: /en/)."""
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("日本語か English を選んでください。"), code="unknown_language")
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    user.preferred_language = language


class AccountDeletionRefused(ApplicationError):
    code = "account_deletion_refused"
    status = 409


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the account and everything kept about the person (audit rows keep no personal data).

    Refused, with every reason, while another app has something to settle first (money in flight, a shop
    the person represents): apps.core.signals.account_deletion_check. The user row is locked first: a
    reservation being made for the person (its insert locks the user row too) either commits before the
    check, which then sees it, or waits for the deletion and fails on the deleted user."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    blocking = [note.message for note in account_deletion_notes(user=user) if note.blocks]
    if blocking:
        raise AccountDeletionRefused(" ".join(blocking))
    document_delete_for_owner(owner=user)
    user.delete()

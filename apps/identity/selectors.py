"""Reads of identity data: the identity app's public interface for other apps."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from .constants import STRONG_AUTH_ROLES, Role
from .jpki_testca import STANDARD_CARDS
from .models import IdentityVerification, User, VerificationAttempt


def verification_get(*, user: User) -> IdentityVerification | None:
    """The user's My Number verification, or None."""
    return IdentityVerification.objects.filter(user=user).first()


def verification_attempts(*, user: User, limit: int = 10) -> list[VerificationAttempt]:
    return list(VerificationAttempt.objects.filter(user=user)[:limit])


def demo_card_names() -> list[str]:
    """Names of the demo cards on this machine; empty unless demo settings point at a card folder."""
    if not (settings.TAKAMATSU_DEMO and settings.TAKAMATSU_DEMO_CARDS_DIR):
        return []
    folder = Path(settings.TAKAMATSU_DEMO_CARDS_DIR)
    names = {p.name.removesuffix(".cert.pem") for p in folder.glob("*.cert.pem")}
    # The standard cards in their order (a Takamatsu resident's card first), then any others.
    return [n for n in STANDARD_CARDS if n in names] + sorted(names - set(STANDARD_CARDS))


def user_roles(*, user) -> set[str]:
    """The person's role names (auth groups); a superuser holds every role."""
    if user.is_superuser:
        return {role.value for role in Role}
    return set(user.groups.values_list("name", flat=True))


def user_needs_second_factor(*, user) -> bool:
    """Whether the person holds a role whose work needs a second factor (SPEC §3.2): staff, admins, shops."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=[r.value for r in STRONG_AUTH_ROLES]).exists()

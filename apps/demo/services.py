"""Demo data for `make run` and the browser tests (SPEC §2). Never installed by production settings."""

from __future__ import annotations

import base64
import csv
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps as django_apps
from django.conf import settings
from django.db import transaction

from apps.catalogue.importing import ImportFileError
from apps.catalogue.models import Section
from apps.catalogue.reference import reference_data_load
from apps.catalogue.services import catalogue_changed, import_result_messages, procedure_import
from apps.identity.constants import Role
from apps.identity.jpki_testca import DemoCard, build_test_pki
from apps.identity.models import IdentityVerification, User
from apps.identity.services import jpki_challenge_create, jpki_verify, role_groups_ensure, user_roles_set
from apps.wallet.models import Merchant
from apps.wallet.services import merchant_account, points_award

DATA_DIR = Path(__file__).resolve().parent.parent / "catalogue" / "data"
DEMO_PASSWORD = "takamatsu-demo"  # noqa: S105 - published demo password (SPEC §2)
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - published demo secret (SPEC §2)

DEMO_ACCOUNTS = [
    ("resident@example.jp", [Role.RESIDENT], False),
    ("newcomer@example.jp", [Role.RESIDENT], False),
    ("staff@example.jp", [Role.COUNTER_STAFF], True),
    ("admin@example.jp", [Role.CATALOGUE_ADMIN, Role.WALLET_OPERATOR], True),
    ("shop@example.jp", [Role.MERCHANT], True),
]


@transaction.atomic
def demo_sections_load(*, path: Path = DATA_DIR / "sections.csv") -> int:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        Section.objects.update_or_create(
            code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
        )
    catalogue_changed()
    return len(rows)


def demo_procedures_load(*, path: Path = DATA_DIR / "procedures.csv") -> str:
    result = procedure_import(data=path.read_bytes(), file_name=path.name)
    problems = import_result_messages(result)
    if problems:
        raise ImportFileError("; ".join(problems[:20]))
    return f"{result.totals.get('new', 0)} new, {result.totals.get('update', 0)} updated"


def demo_catalogue_load() -> str:
    """Reference data, sections and procedures (also after a test flush emptied the tables)."""
    reference_data_load(django_apps)
    sections = demo_sections_load()
    return f"{sections} sections, procedures: {demo_procedures_load()}"


def demo_pki_ensure() -> Path | None:
    """The demo test CA and cards the demo settings trust; made once per machine (var/ is not committed)."""
    pki_dir = getattr(settings, "DEMO_PKI_DIR", None)
    if not pki_dir:
        return None
    pki_dir = Path(pki_dir)
    if not (pki_dir / "ca.pem").exists():
        build_test_pki(pki_dir)
    return pki_dir


def demo_resident_verify(*, user: User) -> None:
    """Verify the demo resident with the demo Takamatsu card through the real verification service."""
    if IdentityVerification.objects.filter(user=user).exists() or not settings.TAKAMATSU_DEMO_CARDS_DIR:
        return
    card = DemoCard.load(Path(settings.TAKAMATSU_DEMO_CARDS_DIR), "takamatsu-resident")
    challenge = jpki_challenge_create(user=user)
    jpki_verify(
        user=user,
        challenge_id=str(challenge.pk),
        certificate=base64.b64encode(card.der).decode(),
        intermediates=[],
        signature=base64.b64encode(card.sign(bytes(challenge.nonce))).decode(),
        keep_basic_info=True,
    )


@transaction.atomic
def demo_accounts_load() -> list[str]:
    role_groups_ensure()
    emails = []
    for email, roles, second_factor in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        user_roles_set(user=user, roles=roles)
        if (
            second_factor
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, DEMO_TOTP_SECRET)
            RecoveryCodes.activate(user)
        if email == "resident@example.jp":
            demo_resident_verify(user=user)
            points_award(user=user, amount=3000, idempotency_key="demo-resident-welcome-points")
        if email == "shop@example.jp":
            merchant, _ = Merchant.objects.get_or_create(
                code="demo-udon", defaults={"name": "Demo Udon", "owner": user}
            )
            merchant_account(merchant=merchant)
        emails.append(email)
    return emails

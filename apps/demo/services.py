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
                code="demo-udon",
                defaults={
                    "name": "Demo Udon",
                    "owner": user,
                    "address": "香川県高松市番町一丁目8番15号",
                    "contact_email": "shop@example.jp",
                    # A made-up account for the demo settlement export.
                    "bank_code": "0000",
                    "branch_code": "001",
                    "account_type": "ordinary",
                    "account_number": "1234567",
                    "account_holder": "デモウドン",
                },
            )
            merchant_account(merchant=merchant)
        emails.append(email)
    demo_vouchers_load()
    demo_campaigns_load()  # after the accounts: the demo resident's verification gives no bonus
    return emails


def demo_campaigns_load() -> list[str]:
    """The four kinds of point campaign, running from two months ago to four months ahead (idempotent)."""
    import datetime as dt

    from django.utils import timezone

    from apps.wallet.constants import CampaignKind
    from apps.wallet.models import Campaign

    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    period = {"starts_at": today - dt.timedelta(days=60), "ends_at": today + dt.timedelta(days=120)}
    campaigns = {
        "demo-mynumber-bonus": {
            "name": "マイナンバーカードで本人確認 1,000ポイント",
            "name_en": "1,000 points for verifying with your My Number Card",
            "kind": CampaignKind.VERIFICATION,
            "points": 1000,
            "per_person_cap": 1000,
            "budget": 10_000_000,
        },
        "demo-online-procedure": {
            "name": "書かない窓口の事前申請でポイント",
            "name_en": "Points for preparing your counter form online",
            "kind": CampaignKind.PROCEDURE,
            "points": 100,
            "per_person_cap": 500,
            "budget": 2_000_000,
        },
        "demo-walking": {
            "name": "たかまつ健康ウォーキング",
            "name_en": "Takamatsu health walking",
            "kind": CampaignKind.HEALTH,
            "points": 10,
            "per_person_cap": 300,
            "budget": 3_000_000,
            "steps_threshold": 8000,
        },
        "demo-sanuki-event": {
            "name": "さぬき市民まつり 参加ポイント",
            "name_en": "Sanuki citizens' festival attendance points",
            "kind": CampaignKind.EVENT,
            "points": 200,
            "per_person_cap": 200,
            "budget": 1_000_000,
            "event_code": "SANUKI2026",
        },
    }
    for code, values in campaigns.items():
        Campaign.objects.update_or_create(code=code, defaults={**values, **period})
    return list(campaigns)


def demo_vouchers_load() -> list[str]:
    """A demo lottery sale and a demo first-come sale, open now; their dates move only while untouched."""
    import datetime as dt

    from django.utils import timezone

    from apps.wallet.constants import SaleMode
    from apps.wallet.models import VoucherSale

    now = timezone.now().replace(second=0, microsecond=0)
    sales = {
        "demo-lottery": {
            "name": "高松市プレミアム付きデジタル商品券（抽選）",
            "name_en": "Takamatsu premium digital vouchers (lottery)",
            "mode": SaleMode.LOTTERY,
            "price": 10000,
            "premium_rate": 30,
            "stock": 1000,
            "per_person_cap": 2,
            "opens_at": now - dt.timedelta(days=1),
            "closes_at": now + dt.timedelta(days=14),
            "purchase_until": now + dt.timedelta(days=28),
            "valid_until": now + dt.timedelta(days=180),
        },
        "demo-first-come": {
            "name": "高松市プレミアム付きデジタル商品券（先着順）",
            "name_en": "Takamatsu premium digital vouchers (first come)",
            "mode": SaleMode.FIRST_COME,
            "price": 5000,
            "premium_rate": 20,
            "stock": 200,
            "per_person_cap": 2,
            "opens_at": now - dt.timedelta(days=1),
            "closes_at": now + dt.timedelta(days=30),
            "purchase_until": now + dt.timedelta(days=31),
            "valid_until": now + dt.timedelta(days=180),
        },
    }
    for code, values in sales.items():
        sale, created = VoucherSale.objects.get_or_create(code=code, defaults=values)
        if not created and not sale.applications.exists() and not sale.reservations.exists():
            VoucherSale.objects.filter(pk=sale.pk).update(**values, draw_seed="", drawn_at=None)
    return list(sales)
